import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from './exponential-backoff.js';

describe('exponentialBackoff', () => {
  it('is random() * min(maxMs, baseMs * 2 ** attempt)', () => {
    const delay = exponentialBackoff({ baseMs: 100, maxMs: 1_000, random: () => 0.5 });
    expect([0, 1, 2, 3, 4, 5, 100].map(delay)).toEqual([50, 100, 200, 400, 500, 500, 500]);
  });

  it('uses the documented defaults', () => {
    const top = exponentialBackoff({ random: () => 1 });
    expect(top(0)).toBe(100);
    expect(top(30)).toBe(30_000);
  });

  it('is deterministic with an injected random source', () => {
    const sequence = [0.1, 0.9, 0.3];
    let index = 0;
    const delay = exponentialBackoff({
      baseMs: 10,
      random: () => sequence[index++ % sequence.length] ?? 0,
    });
    expect([delay(0), delay(1), delay(2)]).toEqual([1, 18, 12]);
  });

  it('treats negative, NaN and huge attempts sanely', () => {
    const delay = exponentialBackoff({ baseMs: 100, maxMs: 5_000, random: () => 1 });
    expect(delay(-3)).toBe(100);
    expect(delay(Number.NaN)).toBe(100);
    expect(delay(5_000)).toBe(5_000);
    expect(delay(Number.POSITIVE_INFINITY)).toBe(5_000);
    expect(exponentialBackoff({ baseMs: 0, random: () => 1 })(5_000)).toBe(0);
  });

  it('stays within [0, min(maxMs, baseMs * 2 ** attempt)] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (baseMs, maxMs, attempt, random) => {
          const value = exponentialBackoff({ baseMs, maxMs, random: () => random })(attempt);
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(
            baseMs === 0 ? 0 : Math.min(maxMs, baseMs * 2 ** attempt),
          );
        },
      ),
    );
  });

  it('rejects invalid options with one ConfigError naming each', () => {
    expect(() => exponentialBackoff({ baseMs: -1, maxMs: Number.NaN })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG',
        issues: [
          expect.objectContaining({ variable: 'options.baseMs' }),
          expect.objectContaining({ variable: 'options.maxMs' }),
        ],
      }),
    );
  });
});
