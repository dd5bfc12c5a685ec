import { ConfigError, CrossSlotError } from '@redgrid/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RATE_LIMIT_ALGORITHMS,
  type RateLimitAlgorithm,
} from '../algorithm/rate-limit-algorithm.js';
import { RateLimitScriptError } from '../errors/rate-limit-script-error.js';
import { storageKeys } from '../keys/storage-keys.js';
import { RedisCheckEngine } from '../scripts/redis-check-engine.js';
import { type StartedRedis, startRedis } from '../test-support/redis-topologies.js';
import { createRateLimiter } from './create-rate-limiter.js';
import type { RateLimiterOptions } from './rate-limiter-options.js';

let redis: StartedRedis;
let run = 0;

beforeAll(async () => {
  redis = await startRedis('standalone');
});

afterAll(async () => {
  await redis?.stop();
});

function limiterFor(options: Omit<RateLimiterOptions, 'connection'>) {
  run++;
  return createRateLimiter({
    connection: redis.connection,
    prefix: `t${run}:`,
    ...options,
  });
}

async function sequence(count: number, check: () => Promise<{ allowed: boolean }>) {
  const allowed: boolean[] = [];
  for (let index = 0; index < count; index++) allowed.push((await check()).allowed);
  return allowed;
}

async function evalshaCalls(): Promise<number> {
  const info = await redis.connection.client.info('commandstats');
  const match = /cmdstat_evalsha:calls=(\d+)/.exec(info);
  return Number(match?.[1] ?? 0);
}

describe('sliding-log reset', () => {
  it('is the window, not a ms more: one check, and concurrent checks decided in one script run', async () => {
    const limiter = limiterFor({ algorithm: 'sliding-log', limit: 20, windowMs: 1_000 });
    const first = await limiter.check('reset');
    expect(first.resetMs).toBe(1_000);
    // Issued in one tick, these share one script run and one server time.
    const batch = await Promise.all(Array.from({ length: 10 }, () => limiter.check('reset')));
    for (const result of batch) {
      expect(result.allowed).toBe(true);
      expect(result.resetMs).toBeLessThanOrEqual(1_000);
      expect(Math.ceil(result.resetMs / 1000)).toBe(1);
    }
    limiter.dispose();
  });
});

describe('every algorithm', () => {
  it.each(RATE_LIMIT_ALGORITHMS)(
    '%s allows the limit, then rejects with a retry time',
    async (algorithm) => {
      const limiter = limiterFor({ algorithm, limit: 3, windowMs: 60_000 });
      const results = [];
      for (let index = 0; index < 4; index++) results.push(await limiter.check('basic'));
      expect(results.map((result) => result.allowed)).toEqual([true, true, true, false]);
      expect(results.map((result) => result.remaining)).toEqual([2, 1, 0, 0]);
      const rejected = results[3];
      expect(rejected).toMatchObject({ limit: 3, degraded: false });
      expect(rejected?.retryAfterMs).toBeGreaterThan(0);
      // The sliding-window approximation may have to wait into the next window.
      expect(rejected?.retryAfterMs).toBeLessThanOrEqual(
        algorithm === 'sliding-window' ? 120_000 : 60_000,
      );
      expect(rejected?.resetMs).toBeGreaterThan(0);
      expect(results[0]?.retryAfterMs).toBe(0);
      limiter.dispose();
    },
  );

  it.each(RATE_LIMIT_ALGORITHMS)(
    '%s charges a cost and refuses a cost that no longer fits',
    async (algorithm) => {
      const limiter = limiterFor({ algorithm, limit: 10, windowMs: 60_000 });
      expect(await limiter.check('cost', { cost: 7 })).toMatchObject({
        allowed: true,
        remaining: 3,
      });
      const refused = await limiter.check('cost', { cost: 4 });
      expect(refused).toMatchObject({ allowed: false, remaining: 3 });
      expect(await limiter.check('cost', { cost: 3 })).toMatchObject({
        allowed: true,
        remaining: 0,
      });
      await expect(limiter.check('cost', { cost: 11 })).rejects.toThrow(ConfigError);
      limiter.dispose();
    },
  );

  it.each(RATE_LIMIT_ALGORITHMS)(
    '%s refunds, peeks without consuming and resets',
    async (algorithm) => {
      const limiter = limiterFor({ algorithm, limit: 2, windowMs: 60_000 });
      await limiter.check('refund');
      await limiter.check('refund');
      expect((await limiter.check('refund')).allowed).toBe(false);
      expect(await limiter.refund('refund')).toMatchObject({
        allowed: true,
        remaining: 1,
      });
      expect(await limiter.peek('refund')).toMatchObject({
        allowed: true,
        remaining: 0,
      });
      expect(await limiter.peek('refund')).toMatchObject({
        allowed: true,
        remaining: 0,
      });
      expect(await limiter.check('refund')).toMatchObject({
        allowed: true,
        remaining: 0,
      });
      expect((await limiter.peek('refund')).allowed).toBe(false);
      // A refund never gives back more than was consumed.
      expect(await limiter.refund('refund', 5)).toMatchObject({ remaining: 2 });
      await limiter.check('refund');
      await limiter.reset('refund');
      expect(await limiter.check('refund')).toMatchObject({
        allowed: true,
        remaining: 1,
      });
      limiter.dispose();
    },
  );

  it.each(RATE_LIMIT_ALGORITHMS)('%s blocks a key that exceeded its limit', async (algorithm) => {
    const options = { algorithm, limit: 1, windowMs: 500 };
    const blockDurationMs = 60_000;
    const limiter = limiterFor({ ...options, blockDurationMs });
    // Same prefix and algorithm, so the same state, but no block: it shows when the window ends.
    const unblocked = createRateLimiter({
      connection: redis.connection,
      prefix: `t${run}:`,
      ...options,
    });
    // Issued in one tick: decided one after the other at once (one or a few pipelined script
    // calls), so within one window however slow the machine.
    const sentAt = Date.now();
    const [first, exceeded] = await Promise.all([limiter.check('block'), limiter.check('block')]);
    expect(first?.allowed).toBe(true);
    expect(exceeded?.allowed).toBe(false);
    expect(exceeded?.retryAfterMs).toBe(blockDurationMs);
    await redis.topology.waitFor(async () => (await unblocked.peek('block')).allowed, {
      timeoutMs: 30_000,
      message: 'the window has passed',
    });
    const blocked = await limiter.check('block');
    const elapsedMs = Date.now() - sentAt;
    expect(blocked).toMatchObject({ allowed: false, remaining: 0 });
    // Still the block, not the window: what is left of it. elapsedMs covers the time Redis saw
    // pass since the block started (1 ms of slack: both clocks count whole ms).
    expect(blocked.retryAfterMs).toBeLessThan(blockDurationMs);
    expect(blocked.retryAfterMs).toBeGreaterThanOrEqual(blockDurationMs - elapsedMs - 1);
    await limiter.reset('block');
    expect((await limiter.check('block')).allowed).toBe(true);
    unblocked.dispose();
    limiter.dispose();
  });
});

describe('state expiry', () => {
  it.each(RATE_LIMIT_ALGORITHMS)(
    '%s keeps its state at least until the key is replenished',
    async (algorithm) => {
      const limiter = limiterFor({ algorithm, limit: 10, windowMs: 10_000 });
      for (let index = 0; index < 8; index++) await limiter.check('ttl');
      // Taken before the last check, so that the time measured until PTTL answers is never
      // shorter than the time the key's TTL ran down meanwhile.
      const sentAt = Date.now();
      const last = await limiter.check('ttl');
      expect(last.remaining).toBe(1);
      const prefix = `t${run}:`;
      const { stateKey } = storageKeys(prefix, algorithm, 'ttl');
      const ttl = await redis.connection.client.pttl(stateKey);
      const elapsedMs = Date.now() - sentAt;
      // If the state expired before resetMs, a key could start over early (over-admission).
      // 2 ms of slack: resetMs is rounded up to a whole ms, and both clocks count whole ms.
      expect(ttl + elapsedMs).toBeGreaterThanOrEqual(last.resetMs - 2);
      limiter.dispose();
    },
  );
});

describe('the original design shape and per-key limits', () => {
  it('checkRateLimit(key, { limit, windowMs }, identifier) counts per identifier', async () => {
    const limiter = limiterFor({
      algorithm: 'sliding-window',
      limit: 100,
      windowMs: 60_000,
    });
    const first = await limiter.checkRateLimit(
      'api:search',
      { limit: 2, windowMs: 60_000 },
      'user:1',
    );
    expect(first).toMatchObject({
      allowed: true,
      limit: 2,
      remaining: 1,
      degraded: false,
    });
    await limiter.checkRateLimit('api:search', { limit: 2, windowMs: 60_000 }, 'user:1');
    expect(
      (await limiter.checkRateLimit('api:search', { limit: 2, windowMs: 60_000 }, 'user:1'))
        .allowed,
    ).toBe(false);
    expect(
      (await limiter.checkRateLimit('api:search', { limit: 2, windowMs: 60_000 }, 'user:2'))
        .allowed,
    ).toBe(true);
    limiter.dispose();
  });

  it('applies limitFor per key, and a call option over it', async () => {
    const plans: Record<string, number> = {
      'tenant:gold': 5,
      'tenant:free': 1,
    };
    const limiter = limiterFor({
      algorithm: 'gcra',
      limit: 2,
      windowMs: 60_000,
      limitFor: async (key) => (plans[key] === undefined ? undefined : { limit: plans[key] }),
    });
    expect(await sequence(6, () => limiter.check('tenant:gold'))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(await sequence(2, () => limiter.check('tenant:free'))).toEqual([true, false]);
    expect(await sequence(3, () => limiter.check('tenant:other'))).toEqual([true, true, false]);
    expect((await limiter.check('tenant:free', { limit: 3 })).limit).toBe(3);
    limiter.dispose();
  });
});

describe('several limits at once', () => {
  const limits = (cost = 1) => [
    // Long enough that the three checks below fall into one window, however slow the machine.
    { key: '{user:7}:second', limit: 2, windowMs: 10_000, cost },
    {
      key: '{user:7}:hour',
      limit: 3,
      windowMs: 3_600_000,
      algorithm: 'fixed-window' as const,
      cost,
    },
  ];

  it('consumes nothing when one limit rejects (all-or-nothing, one round trip)', async () => {
    const limiter = limiterFor({
      algorithm: 'sliding-log',
      limit: 10,
      windowMs: 60_000,
    });
    const before = await evalshaCalls();
    const first = await limiter.checkAll(limits());
    expect(await evalshaCalls()).toBe(before + 1);
    expect(first.allowed).toBe(true);
    expect(first.results.map((result) => result.remaining)).toEqual([1, 2]);
    expect(first).toMatchObject({ limit: 2, remaining: 1 });
    expect((await limiter.checkAll(limits())).allowed).toBe(true);
    const third = await limiter.checkAll(limits());
    expect(third.allowed).toBe(false);
    expect(third.results.map((result) => result.allowed)).toEqual([false, true]);
    // The hour limit did not pay for the rejected check: it still has one left.
    expect(third.results[1]?.remaining).toBe(1);
    expect(third.retryAfterMs).toBeGreaterThan(0);
    limiter.dispose();
  });

  it('refuses keys without a common hash tag, on every topology', async () => {
    const limiter = limiterFor({
      algorithm: 'gcra',
      limit: 10,
      windowMs: 60_000,
    });
    await expect(
      limiter.checkAll([
        { key: 'user:7:second', limit: 1, windowMs: 1_000 },
        { key: 'user:7:hour', limit: 1, windowMs: 3_600_000 },
      ]),
    ).rejects.toThrow(CrossSlotError);
    await expect(
      limiter.checkAll([
        { key: '{user:7}', limit: 1, windowMs: 1_000 },
        { key: '{user:7}', limit: 2, windowMs: 3_600_000 },
      ]),
    ).rejects.toThrow(ConfigError);
    limiter.dispose();
  });
});

describe('local block cache', () => {
  it('rejects a key over its limit without a round trip until its retry time', async () => {
    const limiter = limiterFor({
      algorithm: 'fixed-window',
      limit: 2,
      windowMs: 3_000,
      blockCache: true,
    });
    // Issued in one tick, so within one window: two pass, the third is rejected.
    const firstThree = await Promise.all([1, 2, 3].map(() => limiter.check('hot')));
    expect(firstThree.map((result) => result.allowed)).toEqual([true, true, false]);
    const before = await evalshaCalls();
    const cached = await Promise.all(Array.from({ length: 50 }, () => limiter.check('hot')));
    expect(cached.every((result) => !result.allowed && result.retryAfterMs > 0)).toBe(true);
    expect(await evalshaCalls()).toBe(before);
    expect(limiter.stats().blockCacheHits).toBe(50);
    // Once the window has passed, the key goes to Redis again and is allowed.
    await redis.topology.waitFor(async () => (await limiter.check('hot')).allowed, {
      timeoutMs: 30_000,
      message: 'hot key allowed after its window',
    });
    limiter.dispose();
  });
});

describe('batching and errors', () => {
  it('decides concurrent checks in shared script calls, each exactly', async () => {
    const limiter = limiterFor({
      algorithm: 'token-bucket',
      limit: 40,
      windowMs: 3_600_000,
    });
    const before = await evalshaCalls();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => limiter.check(`batch:${index % 4}`)),
    );
    const calls = (await evalshaCalls()) - before;
    expect(calls).toBeLessThan(20);
    expect(results.filter((result) => result.allowed)).toHaveLength(160);
    limiter.dispose();
  });

  it('fails only the check whose key holds another type, not its batch', async () => {
    const limiter = limiterFor({ algorithm: 'sliding-window', limit: 5, windowMs: 60_000 });
    await redis.connection.client.set(`t${run}:sw:{poisoned}`, 'not a hash');
    const [poisoned, healthy] = await Promise.allSettled([
      limiter.check('poisoned'),
      limiter.check('healthy'),
    ]);
    expect(poisoned.status).toBe('rejected');
    expect(poisoned.status === 'rejected' && RateLimitScriptError.isInstance(poisoned.reason)).toBe(
      true,
    );
    expect(healthy).toMatchObject({ status: 'fulfilled', value: { allowed: true } });
    limiter.dispose();

    // The same inside one script call: the groups before and after the failing one are decided.
    const engine = new RedisCheckEngine(redis.connection.client, {
      coalesce: true,
      maxBatch: 64,
      maxInFlight: 1,
    });
    const profile = {
      algorithm: 'gcra' as const,
      limit: 5,
      windowMs: 60_000,
      burst: 5,
      blockMs: 0,
    };
    const checkOf = (key: string) => {
      const keys = storageKeys(`t${run}:`, 'gcra', key);
      return {
        tag: keys.tag,
        check: { profile, stateKey: keys.stateKey, blockKey: keys.blockKey, cost: 1 },
      };
    };
    await redis.connection.client.set(checkOf('bad').check.stateKey, 'not a hash');
    const before = await evalshaCalls();
    const outcomes = await Promise.all(
      ['first', 'bad', 'last'].map((key) => {
        const { tag, check } = checkOf(key);
        return engine.evaluate('consume', [check], tag);
      }),
    );
    expect(await evalshaCalls()).toBe(before + 1);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true]);
    expect(outcomes[2]).toMatchObject({ ok: true, allowed: true, limits: [{ remaining: 4 }] });
  });

  it('validates its options with one ConfigError listing every problem', () => {
    expect(() =>
      createRateLimiter({
        connection: redis.connection,
        algorithm: 'leaky' as RateLimitAlgorithm,
        limit: 0,
        windowMs: 1.5,
        prefix: '{x}',
      }),
    ).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([
          expect.objectContaining({ variable: 'options.algorithm' }),
          expect.objectContaining({ variable: 'options.limit' }),
          expect.objectContaining({ variable: 'options.windowMs' }),
          expect.objectContaining({ variable: 'options.prefix' }),
        ]),
      }),
    );
  });
});
