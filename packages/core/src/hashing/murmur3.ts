import { encodeUtf8, scratchView } from './utf8.js';

const c1 = 0xcc9e2d51;
const c2 = 0x1b873593;

/**
 * MurmurHash3 (x86, 32-bit) of the UTF-8 bytes of `text`, as an unsigned 32-bit integer.
 * Identical to the reference implementation (and e.g. Python's `mmh3.hash(text, seed,
 * signed=False)`). Fast and well mixed; not cryptographic.
 */
export function murmur3(text: string, seed = 0): number {
  // ASCII fast path straight from the UTF-16 code units (one byte each); any other character
  // sends the whole string through the UTF-8 encoder instead.
  const length = text.length;
  let hash = seed | 0;
  const blocks = length & ~3;
  for (let index = 0; index < blocks; index += 4) {
    const a = text.charCodeAt(index);
    const b = text.charCodeAt(index + 1);
    const c = text.charCodeAt(index + 2);
    const d = text.charCodeAt(index + 3);
    if ((a | b | c | d) >= 0x80) return murmur3Utf8(text, seed);
    hash = mixBlock(hash, a | (b << 8) | (c << 16) | (d << 24));
  }
  const rest = length & 3;
  if (rest > 0) {
    let tail = 0;
    let all = 0;
    for (let index = rest - 1; index >= 0; index--) {
      const code = text.charCodeAt(blocks + index);
      all |= code;
      tail = (tail << 8) | code;
    }
    if (all >= 0x80) return murmur3Utf8(text, seed);
    hash ^= mixTail(tail);
  }
  return finish(hash, length);
}

function murmur3Utf8(text: string, seed: number): number {
  const length = encodeUtf8(text);
  const view = scratchView();
  let hash = seed | 0;
  const blocks = length & ~3;
  for (let offset = 0; offset < blocks; offset += 4)
    hash = mixBlock(hash, view.getInt32(offset, true));
  const rest = length & 3;
  if (rest > 0) {
    let tail = 0;
    for (let index = rest - 1; index >= 0; index--)
      tail = (tail << 8) | view.getUint8(blocks + index);
    hash ^= mixTail(tail);
  }
  return finish(hash, length);
}

function mixBlock(hash: number, block: number): number {
  let k = Math.imul(block, c1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, c2);
  let h = hash ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixTail(tail: number): number {
  let k = Math.imul(tail, c1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, c2);
}

function finish(hash: number, length: number): number {
  let h = hash ^ length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
