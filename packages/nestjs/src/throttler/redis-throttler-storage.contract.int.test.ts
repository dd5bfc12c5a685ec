import { setTimeout as delay } from 'node:timers/promises';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { loadConfigFromEnv } from '@redgrid/core';
import {
  type ClusterTopology,
  type StandaloneTopology,
  startCluster,
  startStandalone,
} from '@redgrid/redis-harness';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import type { RedisModuleOptions } from '../module/redis-module-options.js';
import {
  RedisThrottlerStorage,
  type RedisThrottlerStorageRecord,
} from './redis-throttler-storage.js';

// The contract: for the same hits at the same instants, RedisThrottlerStorage answers what
// @nestjs/throttler's in-memory ThrottlerStorageService answers, field for field. Each Redis
// answer says at which server time it was decided; throttler's store is then run with its clock
// (Date only) set to exactly that time. Both see the same instants, so the comparison is exact on
// any machine, however loaded, and pauses between hits only move time forward.

type Hit = [key: string, ttl: number, limit: number, blockDuration: number, name: string];

interface Pair {
  readonly ours: RedisThrottlerStorage;
  readonly theirs: ThrottlerStorageService;
  hit(...args: Hit): Promise<RedisThrottlerStorageRecord>;
  /** Waits until the Redis server's clock has passed `atMs`. */
  waitUntil(atMs: number): Promise<void>;
  close(): void;
}

let pairs = 0;

function pairOn(connection: RedisConnectionService, waitFor: StandaloneTopology['waitFor']): Pair {
  pairs++;
  const options: RedisModuleOptions = { rateLimit: { prefix: `contract${pairs}:` } };
  const ours = new RedisThrottlerStorage(connection, options);
  const theirs = new ThrottlerStorageService();
  const serverNowMs = async () => {
    const [seconds, micros] = await connection.getClient().time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  return {
    ours,
    theirs,
    async hit(...args) {
      const mine = await ours.increment(...args);
      expect(mine.degraded).toBe(false);
      // Throttler's increment reads Date.now() synchronously (no await inside), so the fake
      // clock is only in place for that call.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(mine.decidedAtMs);
      const pending = theirs.increment(...args);
      vi.useRealTimers();
      const reference = await pending;
      expect(
        {
          totalHits: mine.totalHits,
          timeToExpire: mine.timeToExpire,
          isBlocked: mine.isBlocked,
          timeToBlockExpire: mine.timeToBlockExpire,
        },
        `hit ${JSON.stringify(args)} at ${mine.decidedAtMs}`,
      ).toEqual({
        totalHits: reference.totalHits,
        timeToExpire: reference.timeToExpire,
        isBlocked: reference.isBlocked,
        // The one documented difference: when not blocked throttler returns a meaningless
        // non-positive number (its guard ignores it); RedGrid returns 0.
        timeToBlockExpire: reference.isBlocked ? reference.timeToBlockExpire : 0,
      });
      if (!reference.isBlocked) expect(reference.timeToBlockExpire).toBeLessThanOrEqual(0);
      return mine;
    },
    async waitUntil(atMs) {
      await waitFor(async () => (await serverNowMs()) > atMs, {
        timeoutMs: 60_000,
        message: `the server clock past ${atMs}`,
      });
    },
    close() {
      ours.onApplicationShutdown();
      theirs.onApplicationShutdown();
    },
  };
}

describe.each(['standalone', 'cluster'] as const)('RedisThrottlerStorage on %s', (kind) => {
  let topology: StandaloneTopology | ClusterTopology;
  let connection: RedisConnectionService;

  beforeAll(async () => {
    topology = kind === 'standalone' ? await startStandalone() : await startCluster();
    connection = new RedisConnectionService({ config: loadConfigFromEnv(topology.env()) });
    await connection.connection.connect();
  }, 120_000);

  afterAll(async () => {
    await connection?.connection.close({ timeoutMs: 1_000 });
    await topology?.stop();
  });

  // Block shorter than, equal to and longer than the ttl, and no block.
  it.each([
    ['shorter than', 400],
    ['equal to', 1_000],
    ['longer than', 1_600],
  ])(
    'answers like throttler with a block %s the ttl, through the block and after it',
    async (_label, blockDuration) => {
      const pair = pairOn(connection, topology.waitFor.bind(topology));
      const ttl = 1_000;
      try {
        const hit = () => pair.hit('client', ttl, 2, blockDuration, 'default');
        await hit();
        await hit();
        const refused = await hit();
        expect(refused).toMatchObject({ isBlocked: true, totalHits: 3 });
        // Refused again during the block, uncounted, with the block's time left.
        expect((await hit()).isBlocked).toBe(true);
        await pair.waitUntil(refused.decidedAtMs + blockDuration);
        // The block is over: the count starts again from this hit.
        expect(await hit()).toMatchObject({ isBlocked: false, totalHits: 1 });
        await hit();
        expect((await hit()).isBlocked).toBe(true);
      } finally {
        pair.close();
      }
    },
    60_000,
  );

  it('answers like throttler without a block: refused hits are not counted, and pass again as the oldest hit expires', async () => {
    const pair = pairOn(connection, topology.waitFor.bind(topology));
    try {
      const first = await pair.hit('client', 800, 2, 0, 'default');
      await delay(150);
      await pair.hit('client', 800, 2, 0, 'default');
      const refused = await pair.hit('client', 800, 2, 0, 'default');
      expect(refused).toMatchObject({ isBlocked: true, totalHits: 3 });
      await pair.waitUntil(first.decidedAtMs + 800);
      expect(await pair.hit('client', 800, 2, 0, 'default')).toMatchObject({
        isBlocked: false,
        totalHits: 2,
      });
      // A limit of 0 refuses every hit, with the window's time as the wait.
      expect((await pair.hit('zero', 1_000, 0, 0, 'default')).isBlocked).toBe(true);
    } finally {
      pair.close();
    }
  }, 60_000);

  it('answers like throttler per throttler name, on one key and on keys of their own', async () => {
    const pair = pairOn(connection, topology.waitFor.bind(topology));
    try {
      // Two throttlers on one key share throttler's record (window start and block) but count
      // their own hits; as the guard builds keys, each name also gets its own key.
      const short: Hit = ['shared', 500, 1, 700, 'short'];
      const long: Hit = ['shared', 3_000, 3, 2_000, 'long'];
      await pair.hit(...short);
      await pair.hit(...long);
      const blocked = await pair.hit(...short);
      expect(blocked.isBlocked).toBe(true);
      // The block of one name refuses the other name's hits on that key too, as in throttler.
      await pair.hit(...long);
      await pair.waitUntil(blocked.decidedAtMs + 700);
      await pair.hit(...long);
      await pair.hit(...short);
      await pair.hit('own-short', 500, 1, 700, 'short');
      await pair.hit('own-long', 3_000, 3, 2_000, 'long');
    } finally {
      pair.close();
    }
  }, 60_000);

  it('answers like throttler for any sequence of hits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ttl: fc.integer({ min: 20, max: 1_500 }),
          limit: fc.integer({ min: 1, max: 4 }),
          blockDuration: fc.constantFrom(0, 30, 200, 1_000),
        }),
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b'),
            name: fc.constantFrom('default', 'second'),
            pauseMs: fc.constantFrom(0, 0, 0, 10, 60, 250),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        async (throttler, steps) => {
          const pair = pairOn(connection, topology.waitFor.bind(topology));
          try {
            for (const step of steps) {
              // Pauses only let time pass; the comparison uses the exact decision times.
              if (step.pauseMs > 0) await delay(step.pauseMs);
              await pair.hit(
                step.key,
                throttler.ttl,
                throttler.limit,
                throttler.blockDuration,
                step.name,
              );
            }
          } finally {
            pair.close();
          }
        },
      ),
      { numRuns: kind === 'cluster' ? 8 : 20 },
    );
  }, 120_000);
});
