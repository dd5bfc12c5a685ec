import { CircuitOpenError, ConfigError } from '@redgrid/core';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from './create-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RateLimiterOptions } from './rate-limiter-options.js';

// A stand-in for an ioredis client whose script calls fail the way a down Redis makes them
// fail, or answer like the script would. Only for the policy logic: Redis behaviour itself is
// tested against real servers in the *.int.test.ts files.
function fakeClient(behaviour: { next: (keyCount: number) => Promise<unknown> }) {
  const client: Record<string, unknown> = {
    calls: 0,
    evalsha(_sha1: string, keyCount: number) {
      client.calls = (client.calls as number) + 1;
      return behaviour.next(keyCount);
    },
    del: async () => 1,
  };
  return client as unknown as Redis & { calls: number };
}

const refused = () =>
  Promise.reject(
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    }),
  );
// One compact group, allowed with 9 left: [remaining, resetMs].
const allowedReply = () => Promise.resolve([9, 60_000]);

const limiters: RateLimiter[] = [];
function limiter(client: Redis, options: Partial<RateLimiterOptions> = {}) {
  const created = createRateLimiter({
    connection: { client },
    algorithm: 'fixed-window',
    limit: 3,
    windowMs: 60_000,
    ...options,
  });
  limiters.push(created);
  return created;
}

afterEach(() => {
  for (const created of limiters.splice(0)) created.dispose();
});

describe('failure policy', () => {
  it('memory: the same algorithm in memory, every result flagged degraded', async () => {
    const client = fakeClient({ next: refused });
    const target = limiter(client);
    const results = [];
    for (let index = 0; index < 4; index++) results.push(await target.check('k'));
    expect(results.map((result) => [result.allowed, result.degraded])).toEqual([
      [true, true],
      [true, true],
      [true, true],
      [false, true],
    ]);
    expect(target.stats()).toMatchObject({
      degraded: true,
      memory: 4,
      redis: 0,
      outages: 1,
    });
  });

  it('memory: divides the limit by the expected instance count', async () => {
    const target = limiter(fakeClient({ next: refused }), {
      limit: 10,
      memory: { expectedInstances: 3 },
    });
    const first = await target.check('k');
    expect(first).toMatchObject({
      allowed: true,
      limit: 3,
      remaining: 2,
      degraded: true,
    });
  });

  it('open allows, closed refuses; both without counting and flagged degraded', async () => {
    const open = limiter(fakeClient({ next: refused }), {
      failurePolicy: 'open',
    });
    const closed = limiter(fakeClient({ next: refused }), {
      failurePolicy: 'closed',
    });
    for (let index = 0; index < 5; index++) {
      expect(await open.check('k')).toMatchObject({
        allowed: true,
        degraded: true,
        retryAfterMs: 0,
      });
      const refusal = await closed.check('k');
      expect(refusal).toMatchObject({
        allowed: false,
        degraded: true,
        remaining: 0,
      });
      expect(refusal.retryAfterMs).toBeGreaterThan(0);
    }
    expect(open.stats().open).toBe(5);
    expect(closed.stats().closed).toBe(5);
  });

  it('closed says when to retry when the breaker knows it', async () => {
    const target = limiter(
      fakeClient({
        next: () => Promise.reject(new CircuitOpenError({ retryAfterMs: 4_321 })),
      }),
      { failurePolicy: 'closed' },
    );
    expect((await target.check('k')).retryAfterMs).toBe(4_321);
  });

  it('throws errors that are not outages instead of deciding', async () => {
    const wrongType = Object.assign(new Error('WRONGTYPE Operation against a key'), {
      name: 'ReplyError',
    });
    const target = limiter(fakeClient({ next: () => Promise.reject(wrongType) }), {
      failurePolicy: 'open',
    });
    await expect(target.check('k')).rejects.toBe(wrongType);
    expect(target.stats().degraded).toBe(false);
  });

  it('a listener that throws changes no result: degraded and recovered checks still answer', async () => {
    let down = true;
    const client = fakeClient({ next: () => (down ? refused() : allowedReply()) });
    const target = limiter(client, { limit: 10 });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      target.on('degraded', () => {
        throw new Error('listener bug');
      });
      target.on('recovered', () => {
        throw new Error('listener bug');
      });
      expect(await target.check('k')).toMatchObject({ allowed: true, degraded: true });
      down = false;
      expect(await target.check('k')).toMatchObject({ allowed: true, degraded: false });
      // Reported, once per event, rather than thrown into check().
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
    }
  });

  it('leaves the degraded state on the first answer from Redis and drops the memory counts', async () => {
    let down = true;
    const client = fakeClient({
      next: () => (down ? refused() : allowedReply()),
    });
    const target = limiter(client, { limit: 10 });
    const events: string[] = [];
    target.on('degraded', ({ policy }) => events.push(`degraded:${policy}`));
    const unsubscribe = target.on('recovered', () => events.push('recovered'));
    for (let index = 0; index < 3; index++) await target.check('k');
    down = false;
    expect(await target.check('k')).toMatchObject({
      allowed: true,
      remaining: 9,
      degraded: false,
    });
    expect(events).toEqual(['degraded:memory', 'recovered']);
    expect(target.stats()).toMatchObject({
      degraded: false,
      redis: 1,
      memory: 3,
      outages: 1,
    });
    unsubscribe();
    down = true;
    // A new outage counts from zero again in memory.
    expect(await target.check('k')).toMatchObject({
      remaining: 9,
      degraded: true,
    });
    expect(events).toEqual(['degraded:memory', 'recovered', 'degraded:memory']);
  });
});

describe('batching', () => {
  it('decides checks issued in one tick in a few shared script calls', async () => {
    // Every key allowed with 2 left: [remaining, resetMs] per one-limit group.
    const client = fakeClient({
      next: (keyCount) => Promise.resolve(Array.from({ length: keyCount }, () => [2, 100]).flat()),
    });
    const target = limiter(client, { limit: 1_000 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => target.check(`key:${index}`)),
    );
    // Batches of at most 64, the rest split over the free call slots (4): a handful of calls.
    expect(client.calls).toBeGreaterThanOrEqual(4);
    expect(client.calls).toBeLessThanOrEqual(8);
    expect(results.every((result) => result.allowed && result.remaining === 2)).toBe(true);
  });

  it('sends each check alone when coalescing is off', async () => {
    const client = fakeClient({ next: allowedReply });
    const target = limiter(client, { coalesce: false });
    await Promise.all([target.check('a'), target.check('b'), target.check('c')]);
    expect(client.calls).toBe(3);
  });
});

describe('validation', () => {
  const client = fakeClient({ next: allowedReply });

  it('lists every invalid option in one ConfigError', () => {
    try {
      createRateLimiter({
        connection: { client: {} as Redis },
        algorithm: 'nope' as 'gcra',
        limit: -1,
        windowMs: Number.NaN,
        burst: 0,
        blockDurationMs: -5,
        failurePolicy: 'maybe' as 'open',
        memory: { expectedInstances: 0 },
        maxBatchSize: 0,
      });
      expect.unreachable('createRateLimiter accepted invalid options');
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
      const variables = (error as ConfigError).issues.map((issue) => issue.variable);
      expect(variables).toEqual([
        'options.connection',
        'options.algorithm',
        'options.limit',
        'options.windowMs',
        'options.burst',
        'options.blockDurationMs',
        'options.failurePolicy',
        'options.memory.expectedInstances',
        'options.maxBatchSize',
      ]);
    }
  });

  it('refuses an empty key, a non-integer cost and a cost above the limit', async () => {
    const target = limiter(client);
    await expect(target.check('')).rejects.toThrow(ConfigError);
    await expect(target.check('k', { cost: 1.5 })).rejects.toThrow(ConfigError);
    await expect(target.check('k', { cost: 4 })).rejects.toThrow(/exceeds the limit \(3\)/);
    await expect(target.refund('k', 0)).rejects.toThrow(ConfigError);
    await expect(target.check('k', { limit: 0 })).rejects.toThrow(/options.limit/);
  });
});

describe('fixed-window counts while the store fails', () => {
  it('memory: getWindow and decrement run on the in-memory states, flagged degraded', async () => {
    const target = limiter(fakeClient({ next: refused }));
    await target.check('k');
    await target.check('k');
    expect(await target.getWindow('k')).toMatchObject({ used: 2, degraded: true });
    expect(await target.decrement('k')).toMatchObject({ used: 1, degraded: true });
    expect(await target.decrement('new')).toMatchObject({ used: 0, resetMs: 60_000 });
    expect(await target.getWindow('none')).toBeUndefined();
    expect(target.stats()).toMatchObject({ degraded: true, outages: 1 });
    expect(target.degradation()).toMatchObject({ degraded: true, outages: 1 });
  });

  it('open and closed: nothing is counted', async () => {
    for (const failurePolicy of ['open', 'closed'] as const) {
      const target = limiter(fakeClient({ next: refused }), { failurePolicy });
      expect(await target.getWindow('k')).toBeUndefined();
      expect(await target.decrement('k')).toEqual({ used: 0, resetMs: 0, degraded: true });
    }
  });

  it('recovers on the next answer from Redis', async () => {
    let down = true;
    const client = fakeClient({
      next: () => (down ? refused() : Promise.resolve([5, 1_000])),
    });
    const target = limiter(client);
    const recovered: number[] = [];
    target.on('recovered', ({ outageMs }) => recovered.push(outageMs));
    await target.getWindow('k');
    down = false;
    expect(await target.getWindow('k')).toEqual({ used: 5, resetMs: 1_000, degraded: false });
    expect(recovered).toHaveLength(1);
    expect(target.degradation()).toMatchObject({ degraded: false, outages: 1 });
  });
});
