import { ConfigError } from '../errors/config-error.js';
import { murmur3 } from './murmur3.js';

const TWO_POW_32 = 4_294_967_296;
// The LCG multiplier of the jump hash paper, 2862933555777941757, split in 32-bit halves.
const MULTIPLIER_HIGH = 0x27bb2ee6;
const MULTIPLIER_LOW = 0x87b0b0fd;
const MULTIPLIER_LOW_0 = MULTIPLIER_LOW & 0xffff;
const MULTIPLIER_LOW_1 = MULTIPLIER_LOW >>> 16;

/**
 * Jump consistent hash (Lamping & Veach, 2014): maps a key to a bucket in `[0, buckets)` with
 * no memory at all and a near-perfect balance; when `buckets` grows by one, only 1/buckets of
 * the keys move, all to the new bucket. Use it when buckets are numbered shards that are only
 * ever added or removed at the end (it cannot remove a bucket in the middle: use `HashRing`
 * for named nodes that come and go).
 *
 * A `bigint` key is used as the algorithm's 64-bit key (low 64 bits), so results match other
 * implementations of the paper (Guava's differs: it is another algorithm). A string key is
 * first hashed to 64 bits with two MurmurHash3 32-bit hashes of its UTF-8 bytes (seeds 0 and 1,
 * high and low word), a RedGrid convention: hash it yourself and pass a bigint to match
 * another library's string handling. Throws `ConfigError` unless `buckets` is an integer from 1
 * to 2^31 - 1.
 */
export function jumpHash(key: string | bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 0x7fffffff) {
    throw new ConfigError([
      { variable: 'buckets', message: 'must be an integer from 1 to 2147483647' },
    ]);
  }
  let high: number;
  let low: number;
  if (typeof key === 'bigint') {
    const value = BigInt.asUintN(64, key);
    high = Number(value >> 32n);
    low = Number(value & 0xffffffffn);
  } else {
    high = murmur3(key, 0);
    low = murmur3(key, 1);
  }
  let bucket = -1;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    // key = key * MULTIPLIER + 1 (mod 2^64), on 32-bit halves.
    const low0 = low & 0xffff;
    const low1 = low >>> 16;
    const middle = low0 * MULTIPLIER_LOW_1 + low1 * MULTIPLIER_LOW_0;
    const lowProduct = low0 * MULTIPLIER_LOW_0 + (middle % 65_536) * 65_536;
    const carry =
      low1 * MULTIPLIER_LOW_1 + Math.floor(middle / 65_536) + Math.floor(lowProduct / TWO_POW_32);
    let newLow = (lowProduct % TWO_POW_32) + 1;
    let newHigh = carry + Math.imul(low, MULTIPLIER_HIGH) + Math.imul(high, MULTIPLIER_LOW);
    if (newLow === TWO_POW_32) {
      newLow = 0;
      newHigh += 1;
    }
    low = newLow;
    high = newHigh >>> 0;
    next = Math.floor((bucket + 1) * (2_147_483_648 / ((high >>> 1) + 1)));
  }
  return bucket;
}
