import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3 } from './murmur3.js';

/** Straightforward MurmurHash3 x86_32 over bytes, as a reference. */
function reference(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let hash = seed >>> 0;
  const rotl = (value: number, shift: number) => (value << shift) | (value >>> (32 - shift));
  let index = 0;
  for (; index + 4 <= bytes.length; index += 4) {
    let k =
      (bytes[index] ?? 0) |
      ((bytes[index + 1] ?? 0) << 8) |
      ((bytes[index + 2] ?? 0) << 16) |
      ((bytes[index + 3] ?? 0) << 24);
    k = Math.imul(rotl(Math.imul(k, c1), 15), c2);
    hash = (Math.imul(rotl(hash ^ k, 13), 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let shift = 0; index < bytes.length; index++, shift += 8) k |= (bytes[index] ?? 0) << shift;
  if (bytes.length % 4 !== 0) hash ^= Math.imul(rotl(Math.imul(k, c1), 15), c2);
  hash ^= bytes.length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Any UTF-16 string, lone surrogates included. */
const anyString = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 })
  .map((codes) => String.fromCharCode(...codes));

describe('murmur3', () => {
  it('matches published vectors', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('', 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3('hello')).toBe(0x248bfa47);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
  });

  it('hashes the UTF-8 bytes, like the reference over Buffer.from(text)', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyString, fc.string(), fc.string({ unit: 'grapheme' })),
        fc.integer({ min: 0, max: 0xffffffff }),
        (text, seed) => {
          expect(murmur3(text, seed)).toBe(reference(Buffer.from(text), seed));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('handles long and non-ASCII strings of every length modulo 4', () => {
    for (let length = 0; length < 70; length++) {
      for (const text of [
        'a'.repeat(length),
        `${'a'.repeat(length)}é`,
        `é${'a'.repeat(length)}`,
        '😀'.repeat(length),
      ]) {
        expect(murmur3(text, 7)).toBe(reference(Buffer.from(text), 7));
      }
    }
  });
});
