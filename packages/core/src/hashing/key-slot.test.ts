import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16 } from './crc16.js';
import { hashTag } from './hash-tag.js';
import { keySlot } from './key-slot.js';

describe('crc16', () => {
  it('is CRC-16/XMODEM (check value 0x31c3)', () => {
    expect(crc16(Buffer.from('123456789'), 0, 9)).toBe(0x31c3);
    expect(crc16(Buffer.from(''), 0, 0)).toBe(0);
  });
});

describe('hashTag', () => {
  it.each([
    ['user:1000', 'user:1000'],
    ['{user1000}.following', 'user1000'],
    ['foo{bar}baz', 'bar'],
    ['{a}{b}', 'a'],
    ['{}', '{}'],
    ['{}x{y}', '{}x{y}'],
    ['x{', 'x{'],
    ['x}{y', 'x}{y'],
    ['{{a}}', '{a'],
    ['a{b{c}d}', 'b{c'],
    ['{é}', 'é'],
    ['', ''],
  ])('hashTag(%j) is %j', (key, tag) => {
    expect(hashTag(key)).toBe(tag);
  });
});

describe('keySlot', () => {
  it('matches slots documented by Redis', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('hello')).toBe(866);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('{user1000}.following')).toBe(3443);
  });

  it('hashes the hash tag only, and the same bytes for a string and its UTF-8 Buffer', () => {
    const anyString = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 })
      .map((codes) => String.fromCharCode(...codes));
    const withBraces = fc
      .array(fc.constantFrom('{', '}', 'a', 'é', '😀', ':'), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(anyString, withBraces, fc.string()), (key) => {
        const slot = keySlot(key);
        expect(slot).toBeGreaterThanOrEqual(0);
        expect(slot).toBeLessThan(16384);
        expect(keySlot(Buffer.from(key))).toBe(slot);
        expect(keySlot(new Uint8Array(Buffer.from(key)))).toBe(slot);
        expect(keySlot(hashTag(key))).toBe(slot);
        const tag = Buffer.from(hashTag(key));
        expect(crc16(tag, 0, tag.length) % 16384).toBe(slot);
      }),
      { numRuns: 3_000 },
    );
  });

  it('finds tags in binary keys byte-wise', () => {
    expect(keySlot(Buffer.from([0xff, 0x7b, 0x61, 0x7d, 0x00]))).toBe(keySlot('a'));
    expect(keySlot(new Uint8Array(0))).toBe(0);
  });
});
