import { MemoryStore } from '@redgrid/fallback';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckMode, LimitCheck, LimitProfile } from '../algorithm/limit-check.js';
import {
  RATE_LIMIT_ALGORITHMS,
  type RateLimitAlgorithm,
} from '../algorithm/rate-limit-algorithm.js';
import { storageKeys } from '../keys/storage-keys.js';
import { MemoryCheckEngine } from './memory-check-engine.js';

let now = 1_700_000_000_000;
const stores: MemoryStore[] = [];

function engine(options: { maxEntries?: number } = {}) {
  const store = new MemoryStore({
    sweepIntervalMs: 0,
    clock: () => now - 1_699_000_000_000,
    ...options,
  });
  stores.push(store);
  return new MemoryCheckEngine(store, () => now);
}

function profile(
  algorithm: RateLimitAlgorithm,
  limit: number,
  windowMs: number,
  extra: Partial<LimitProfile> = {},
): LimitProfile {
  return { algorithm, limit, windowMs, burst: limit, blockMs: 0, ...extra };
}

function check(limitProfile: LimitProfile, key: string, cost = 1): LimitCheck {
  const keys = storageKeys('rl:', limitProfile.algorithm, key);
  return {
    profile: limitProfile,
    stateKey: keys.stateKey,
    blockKey: keys.blockKey,
    cost,
  };
}

function decide(target: MemoryCheckEngine, checks: LimitCheck[], mode: CheckMode = 'consume') {
  const outcome = target.evaluate(mode, checks);
  if (!outcome.ok) throw outcome.error;
  return outcome;
}

afterEach(() => {
  for (const store of stores.splice(0)) store.dispose();
});

describe('MemoryCheckEngine', () => {
  it.each(RATE_LIMIT_ALGORITHMS)('%s admits exactly the limit at one instant', (algorithm) => {
    const target = engine();
    const limit = profile(algorithm, 5, 60_000);
    const allowed = Array.from({ length: 8 }, () => decide(target, [check(limit, 'k')]).allowed);
    expect(allowed).toEqual([true, true, true, true, true, false, false, false]);
  });

  it('fixed-window resets when its window ends, not before', () => {
    const target = engine();
    const limit = profile('fixed-window', 2, 1_000);
    decide(target, [check(limit, 'k')]);
    now += 400;
    decide(target, [check(limit, 'k')]);
    const rejected = decide(target, [check(limit, 'k')]);
    expect(rejected.limits[0]).toMatchObject({
      allowed: false,
      retryAfterMs: 600,
      resetMs: 600,
    });
    now += 599;
    expect(decide(target, [check(limit, 'k')]).allowed).toBe(false);
    now += 1;
    expect(decide(target, [check(limit, 'k')]).limits[0]).toMatchObject({
      allowed: true,
      remaining: 1,
    });
  });

  it('sliding-log never admits more than the limit in any window', () => {
    const target = engine();
    const limit = profile('sliding-log', 3, 1_000);
    const admitted: number[] = [];
    for (let step = 0; step < 400; step++) {
      if (decide(target, [check(limit, 'k')]).allowed) admitted.push(now);
      now += 17;
    }
    for (const time of admitted) {
      expect(
        admitted.filter((other) => other > time - 1_000 && other <= time).length,
      ).toBeLessThanOrEqual(3);
    }
    // And it is not stingy: 3 per second over ~6.8 s.
    expect(admitted.length).toBeGreaterThanOrEqual(3 * 6);
  });

  it('sliding-log reports the full window as reset, never a ms more, for hits at one instant', () => {
    const target = engine();
    const limit = profile('sliding-log', 5, 1_000);
    const resets = [];
    for (let index = 0; index < 3; index++) {
      resets.push(decide(target, [check(limit, 'reset')]).limits[0]?.resetMs);
    }
    expect(resets).toEqual([1_000, 1_000, 1_000]);
    now += 250;
    expect(decide(target, [check(limit, 'reset')]).limits[0]?.resetMs).toBe(1_000);
    expect(decide(target, [check(limit, 'reset', 3)]).limits[0]).toMatchObject({
      allowed: false,
      resetMs: 1_000,
      retryAfterMs: 750,
    });
  });

  it('sliding-window weighs the previous window by its overlap', () => {
    const target = engine();
    const windowMs = 1_000;
    const limit = profile('sliding-window', 10, windowMs);
    now = Math.ceil(now / windowMs) * windowMs;
    for (let index = 0; index < 10; index++) decide(target, [check(limit, 'k')]);
    // Halfway through the next window, half of the previous 10 still count: 5 more fit.
    now += windowMs + windowMs / 2;
    const allowed = Array.from({ length: 7 }, () => decide(target, [check(limit, 'k')]).allowed);
    expect(allowed).toEqual([true, true, true, true, true, false, false]);
  });

  it.each(['token-bucket', 'gcra'] as const)(
    '%s refills at limit / windowMs up to its burst',
    (algorithm) => {
      const target = engine();
      const limit = profile(algorithm, 10, 1_000, { burst: 4 });
      const burst = Array.from({ length: 5 }, () => decide(target, [check(limit, 'k')]).allowed);
      expect(burst).toEqual([true, true, true, true, false]);
      const rejected = decide(target, [check(limit, 'k')]).limits[0];
      expect(rejected?.retryAfterMs).toBe(100);
      now += 100;
      expect(decide(target, [check(limit, 'k')]).allowed).toBe(true);
      expect(decide(target, [check(limit, 'k')]).allowed).toBe(false);
      // Long idle: back to the burst, not beyond.
      now += 60_000;
      const again = Array.from({ length: 5 }, () => decide(target, [check(limit, 'k')]).allowed);
      expect(again).toEqual([true, true, true, true, false]);
    },
  );

  it.each(RATE_LIMIT_ALGORITHMS)(
    '%s: a group consumes nothing when one limit rejects',
    (algorithm) => {
      const target = engine();
      const small = profile(algorithm, 1, 60_000);
      const large = profile(algorithm, 10, 60_000);
      expect(decide(target, [check(small, 'a'), check(large, 'b')]).allowed).toBe(true);
      const rejected = decide(target, [check(small, 'a'), check(large, 'b')]);
      expect(rejected.allowed).toBe(false);
      expect(rejected.limits.map((limit) => limit.allowed)).toEqual([false, true]);
      // b still has 9: the rejected group did not take one.
      expect(rejected.limits[1]?.remaining).toBe(9);
      expect(decide(target, [check(large, 'b')]).limits[0]?.remaining).toBe(8);
    },
  );

  it.each(RATE_LIMIT_ALGORITHMS)('%s: refund, dry run and block', (algorithm) => {
    const target = engine();
    const limit = profile(algorithm, 2, 60_000, { blockMs: 5_000 });
    decide(target, [check(limit, 'k')]);
    decide(target, [check(limit, 'k')]);
    expect(decide(target, [check(limit, 'k')], 'dry-run').allowed).toBe(false);
    expect(decide(target, [check(limit, 'k')], 'refund').limits[0]?.remaining).toBe(1);
    expect(decide(target, [check(limit, 'k')], 'dry-run').allowed).toBe(true);
    decide(target, [check(limit, 'k')]);
    const exceeded = decide(target, [check(limit, 'k')]).limits[0];
    expect(exceeded?.retryAfterMs).toBeGreaterThanOrEqual(5_000);
    // Refunded below the limit, the key is still blocked.
    decide(target, [check(limit, 'k', 2)], 'refund');
    expect(decide(target, [check(limit, 'k')]).limits[0]).toMatchObject({
      allowed: false,
      retryAfterMs: 5_000,
    });
    now += 5_000;
    expect(decide(target, [check(limit, 'k')]).allowed).toBe(true);
  });

  it('stays within its store bounds however many keys it sees', () => {
    const target = engine({ maxEntries: 100 });
    const limit = profile('sliding-log', 5, 60_000);
    for (let index = 0; index < 5_000; index++) decide(target, [check(limit, `key:${index}`)]);
    expect(target.store.size).toBeLessThanOrEqual(100);
    expect(target.store.stats().evictions).toBeGreaterThan(0);
  });
});
