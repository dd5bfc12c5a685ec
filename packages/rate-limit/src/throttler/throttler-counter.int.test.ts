import { setTimeout as delay } from 'node:timers/promises';
import { keySlot } from '@redgrid/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type StartedRedis,
  startRedis,
  type TopologyKind,
} from '../test-support/redis-topologies.js';
import { createThrottlerCounter, type ThrottlerHit } from './throttler-counter.js';
import { throttlerKeys } from './throttler-keys.js';
import { decideThrottlerHit, type ThrottlerRecord } from './throttler-memory.js';

// The memory fallback must decide like the script. Each Redis decision reports the server time
// it was made at; the memory algorithm is run at exactly that time, so the comparison is exact
// whatever the machine's load. Pauses between hits (a few ms, up to the ttl) only make hits
// expire, windows restart and blocks end; no assertion depends on their length.

function sameDecision(hit: ThrottlerHit) {
  return {
    totalHits: hit.totalHits,
    timeToExpireMs: hit.timeToExpireMs,
    isBlocked: hit.isBlocked,
    timeToBlockExpireMs: hit.timeToBlockExpireMs,
  };
}

describe.each<TopologyKind>(['standalone', 'cluster'])('throttler counter on %s', (kind) => {
  let redis: StartedRedis;
  let run = 0;

  beforeAll(async () => {
    redis = await startRedis(kind);
  }, 120_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it('decides like the memory algorithm at the same instant, hit for hit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ttlMs: fc.integer({ min: 5, max: 60 }),
          limit: fc.integer({ min: 0, max: 4 }),
          blockDurationMs: fc.constantFrom(0, 0, 10, 40, 90),
        }),
        fc.array(
          fc.record({
            key: fc.constantFrom('a', '{t}b'),
            name: fc.constantFrom('default', 'long'),
            pauseMs: fc.constantFrom(0, 0, 0, 3, 15, 40),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        async (throttler, steps) => {
          run++;
          const prefix = `parity${run}:`;
          const counter = createThrottlerCounter({ connection: redis.connection, prefix });
          const records = new Map<string, ThrottlerRecord>();
          try {
            for (const step of steps) {
              if (step.pauseMs > 0) await delay(step.pauseMs);
              // The second name counts twice as long, as a second throttler would.
              const ttlMs = step.name === 'long' ? throttler.ttlMs * 2 : throttler.ttlMs;
              const options = { ...throttler, ttlMs, name: step.name };
              const onRedis = await counter.hit(step.key, options);
              expect(onRedis.degraded).toBe(false);
              const { decision, record } = decideThrottlerHit(
                records.get(step.key),
                onRedis.decidedAtMs,
                {
                  name: step.name,
                  ttlMs,
                  limit: throttler.limit,
                  blockMs: throttler.blockDurationMs,
                },
              );
              records.set(step.key, record);
              expect(sameDecision(onRedis)).toEqual({
                totalHits: decision.totalHits,
                timeToExpireMs: decision.timeToExpireMs,
                isBlocked: decision.blocked,
                timeToBlockExpireMs: decision.timeToBlockExpireMs,
              });
            }
          } finally {
            counter.dispose();
          }
        },
      ),
      { numRuns: kind === 'cluster' ? 15 : 40 },
    );
  }, 120_000);

  it('keeps no key longer than its window, block and hits need', async () => {
    run++;
    const prefix = `expiry${run}:`;
    const counter = createThrottlerCounter({ connection: redis.connection, prefix });
    const options = { ttlMs: 30_000, limit: 1, blockDurationMs: 90_000 };
    await counter.hit('k', options);
    await counter.hit('k', options);
    const { recordKey, hitsKey } = throttlerKeys(prefix, 'k', 'default');
    const client = redis.connection.client;
    const recordTtl = await client.pttl(recordKey);
    const hitsTtl = await client.pttl(hitsKey);
    expect(recordTtl).toBeGreaterThan(30_000);
    expect(recordTtl).toBeLessThanOrEqual(90_001);
    expect(hitsTtl).toBeGreaterThan(0);
    expect(hitsTtl).toBeLessThanOrEqual(30_001);
    expect(keySlot(recordKey)).toBe(keySlot(hitsKey));
    counter.dispose();
  });

  it('rejects invalid arguments with a ConfigError naming them', async () => {
    const counter = createThrottlerCounter({ connection: redis.connection });
    await expect(
      counter.hit('', { ttlMs: Number.NaN, limit: -1, blockDurationMs: 0 }),
    ).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(/key[\s\S]*options\.ttlMs[\s\S]*options\.limit/),
    });
    counter.dispose();
    expect(() => createThrottlerCounter({ connection: redis.connection, prefix: 'a{b' })).toThrow(
      /options\.prefix/,
    );
  });
});

describe('throttler counter while Redis is down', () => {
  let redis: StartedRedis;

  beforeAll(async () => {
    redis = await startRedis('standalone');
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it('counts in memory under the memory policy, answers per policy otherwise, and returns to Redis', async () => {
    const topology = redis.topology as import('@redgrid/redis-harness').StandaloneTopology;
    const memory = createThrottlerCounter({ connection: redis.connection, prefix: 'down:' });
    const open = createThrottlerCounter({
      connection: redis.connection,
      prefix: 'down:',
      failurePolicy: 'open',
    });
    const closed = createThrottlerCounter({
      connection: redis.connection,
      prefix: 'down:',
      failurePolicy: 'closed',
    });
    const options = { ttlMs: 60_000, limit: 2, blockDurationMs: 5_000 };
    expect((await memory.hit('k', options)).degraded).toBe(false);
    await topology.kill(topology.node);
    try {
      // With the defaults a hit first waits for Redis until the command deadline, then the
      // policy answers. A concurrent burst of commands makes the failures that open the
      // breaker, after which every hit is answered at once.
      await Promise.allSettled(
        Array.from({ length: 10 }, (_, index) => redis.connection.client.get(`burst:${index}`)),
      );
      await topology.waitFor(() => redis.connection.breaker.state === 'open', {
        timeoutMs: 60_000,
        message: 'breaker open',
      });
      // Counts restart in this process: two pass, the third is blocked for the block duration.
      const first = await memory.hit('k', options);
      expect(first).toMatchObject({ degraded: true, totalHits: 1, isBlocked: false });
      expect((await memory.hit('k', options)).isBlocked).toBe(false);
      const third = await memory.hit('k', options);
      expect(third).toMatchObject({ isBlocked: true, totalHits: 3, timeToBlockExpireMs: 5_000 });
      expect(memory.stats()).toMatchObject({ degraded: true, memory: 3, outages: 1 });
      expect(await open.hit('k', options)).toMatchObject({ degraded: true, isBlocked: false });
      const refused = await closed.hit('k', options);
      expect(refused).toMatchObject({ degraded: true, isBlocked: true });
      expect(refused.timeToBlockExpireMs).toBeGreaterThanOrEqual(5_000);
    } finally {
      await topology.restart(topology.node);
    }
    await topology.waitFor(async () => !(await memory.hit('other', options)).degraded, {
      timeoutMs: 60_000,
      message: 'the counter back on Redis',
    });
    expect(memory.stats().degraded).toBe(false);
    // Redis counts again (the restarted server has no persistence: it starts from zero); the
    // block counted in memory during the outage is gone.
    expect(await memory.hit('k', options)).toMatchObject({
      totalHits: 1,
      isBlocked: false,
      degraded: false,
    });
    for (const counter of [memory, open, closed]) counter.dispose();
  }, 180_000);
});
