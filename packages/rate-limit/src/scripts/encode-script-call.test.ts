import { describe, expect, it } from 'vitest';
import type { LimitCheck, LimitProfile } from '../algorithm/limit-check.js';
import { RateLimitScriptError } from '../errors/rate-limit-script-error.js';
import { decodeScriptReply, encodeScriptCall } from './encode-script-call.js';

const window: LimitProfile = {
  algorithm: 'fixed-window',
  limit: 10,
  windowMs: 1_000,
  burst: 10,
  blockMs: 0,
};
const blocking: LimitProfile = {
  algorithm: 'gcra',
  limit: 5,
  windowMs: 60_000,
  burst: 8,
  blockMs: 30_000,
};
const check = (profile: LimitProfile, key: string, cost = 1): LimitCheck => ({
  profile,
  stateKey: `s:{${key}}`,
  blockKey: `b:{${key}}`,
  cost,
});

describe('encodeScriptCall', () => {
  it('shares profiles and sends a one-limit group as one argument', () => {
    const call = encodeScriptCall('consume', [
      [check(window, 'a')],
      [check(window, 'b', 3)],
      [check(blocking, 'c')],
      [check(window, 'd'), check(blocking, 'd2', 2)],
    ]);
    expect(call.keys).toEqual(['s:{a}', 's:{b}', 's:{c}', 'b:{c}', 's:{d}', 's:{d2}', 'b:{d2}']);
    expect(call.args).toEqual([
      0,
      2,
      1,
      10,
      1_000,
      10,
      0,
      5,
      5,
      60_000,
      8,
      30_000,
      1 * 1024 + 1,
      3 * 1024 + 1,
      1 * 1024 + 2,
      -2,
      1,
      1,
      2,
      2,
    ]);
    expect(call.compact).toEqual([true, true, true, false]);
  });

  it('names the mode', () => {
    expect(encodeScriptCall('dry-run', [[check(window, 'a')]]).args[0]).toBe(1);
    expect(encodeScriptCall('refund', [[check(window, 'a')]]).args[0]).toBe(2);
  });
});

describe('decodeScriptReply', () => {
  const groups = [
    [check(window, 'a')],
    [check(window, 'b'), check(blocking, 'c')],
    [check(window, 'e')],
  ];

  it('reads decisions, statuses and per-group errors', () => {
    const outcomes = decodeScriptReply(
      [4, 900, 0, 3, 500, -1, 20_000, 20_000, 'WRONGTYPE Operation against a key'],
      groups,
      [true, false, true],
    );
    expect(outcomes[0]).toEqual({
      ok: true,
      allowed: true,
      limits: [{ allowed: true, remaining: 4, resetMs: 900, retryAfterMs: 0 }],
    });
    expect(outcomes[1]).toEqual({
      ok: true,
      allowed: false,
      limits: [
        { allowed: true, remaining: 3, resetMs: 500, retryAfterMs: 0 },
        { allowed: false, remaining: 0, resetMs: 20_000, retryAfterMs: 20_000 },
      ],
    });
    expect(outcomes[2]?.ok).toBe(false);
    expect(outcomes[2]?.ok === false && RateLimitScriptError.isInstance(outcomes[2].error)).toBe(
      true,
    );
  });

  it('refuses a reply it cannot read', () => {
    expect(() => decodeScriptReply('OK', groups, [true, false, true])).toThrow(
      RateLimitScriptError,
    );
    expect(() => decodeScriptReply([1], groups, [true, false, true])).toThrow(RateLimitScriptError);
  });
});
