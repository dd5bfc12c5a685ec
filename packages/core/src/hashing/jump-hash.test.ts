import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { jumpHash } from './jump-hash.js';

/** The paper's C++ code, with BigInt for the 64-bit arithmetic. */
function reference(key: bigint, buckets: number): number {
  let state = BigInt.asUintN(64, key);
  let bucket = -1;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    state = BigInt.asUintN(64, state * 2862933555777941757n + 1n);
    next = Math.floor((bucket + 1) * (2 ** 31 / (Number(state >> 33n) + 1)));
  }
  return bucket;
}

describe('jumpHash', () => {
  it('matches published vectors (ClickHouse jumpConsistentHash)', () => {
    expect(jumpHash(1n, 1)).toBe(0);
    expect(jumpHash(42n, 57)).toBe(43);
    expect(jumpHash(256n, 1024)).toBe(520);
    expect(jumpHash(3735883980n, 1)).toBe(0);
    expect(jumpHash(3735883980n, 666)).toBe(361);
    expect(jumpHash(16045690984833335023n, 255)).toBe(237);
  });

  it('equals the paper for any 64-bit key and bucket count', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: 1, max: 100_000 }),
        (key, buckets) => {
          expect(jumpHash(key, buckets)).toBe(reference(key, buckets));
        },
      ),
      { numRuns: 3_000 },
    );
    expect(jumpHash(-1n, 1000)).toBe(reference(2n ** 64n - 1n, 1000));
  });

  it('moves keys only to the new bucket when one is added', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 5_000 }), (key, buckets) => {
        const before = jumpHash(key, buckets);
        const after = jumpHash(key, buckets + 1);
        expect(before).toBeGreaterThanOrEqual(0);
        expect(before).toBeLessThan(buckets);
        expect(after === before || after === buckets).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('balances string keys', () => {
    const counts = new Array<number>(10).fill(0);
    for (let index = 0; index < 100_000; index++) {
      const bucket = jumpHash(`user:${index}`, 10);
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    }
    expect(Math.max(...counts) / 10_000).toBeLessThan(1.03);
    expect(jumpHash('user:1', 10)).toBe(jumpHash('user:1', 10));
  });

  it('rejects invalid bucket counts', () => {
    for (const buckets of [0, -1, 1.5, Number.NaN, 2 ** 31])
      expect(() => jumpHash('k', buckets)).toThrow(ConfigError);
  });
});
