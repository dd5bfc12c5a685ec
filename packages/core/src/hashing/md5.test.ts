import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { md5Words } from './md5.js';

function expected(text: string): number[] {
  const digest = createHash('md5').update(text, 'utf8').digest();
  return [0, 4, 8, 12].map((offset) => digest.readUInt32LE(offset));
}

describe('md5Words', () => {
  it('equals node:crypto for RFC 1321 vectors and block boundaries', () => {
    const texts = ['', 'a', 'abc', 'message digest', 'abcdefghijklmnopqrstuvwxyz'];
    for (let length = 50; length <= 130; length++) texts.push('x'.repeat(length));
    texts.push('y'.repeat(100_000));
    for (const text of texts) expect([...md5Words(text)]).toEqual(expected(text));
    expect(Buffer.from(new Uint32Array(md5Words('')).buffer).toString('hex')).toBe(
      'd41d8cd98f00b204e9800998ecf8427e',
    );
  });

  it('equals node:crypto for any string (UTF-8, lone surrogates as U+FFFD)', () => {
    const anyString = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 })
      .map((codes) => String.fromCharCode(...codes));
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: 'grapheme', maxLength: 200 })), (text) => {
        expect([...md5Words(text)]).toEqual(expected(text));
      }),
      { numRuns: 2_000 },
    );
  });
});
