import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import {
  type ClusterTopology,
  type StandaloneTopology,
  startCluster,
  startStandalone,
} from '@redgrid/redis-harness';
import { type ClientRateLimitInfo, MemoryStore } from 'express-rate-limit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpressRateLimitStore } from './express-rate-limit-store.js';

// The contract: driven through the same operations, ExpressRateLimitStore answers what
// express-rate-limit's MemoryStore answers. Hit counts must be equal. Reset times come from two
// clocks (Redis counts the window, this process dates its end), so they are compared within
// what was measured: the time the two calls that opened the window took plus the time this call
// took, never a fixed bound. Operations meant to fall inside a window use a window of ten
// minutes; those meant to fall after it wait until both stores' windows have certainly ended.

type Operation = 'increment' | 'decrement' | 'get' | 'resetKey' | 'resetAll';

interface Timed {
  info: ClientRateLimitInfo | undefined;
  beforeMs: number;
  afterMs: number;
}

// decrement, resetKey and resetAll resolve to nothing: their info is undefined.
async function timed(call: () => Promise<unknown>): Promise<Timed> {
  const beforeMs = Date.now();
  const info = ((await call()) ?? undefined) as ClientRateLimitInfo | undefined;
  // MemoryStore returns its live client object: copy it before a later call changes it.
  const copy = info && { totalHits: info.totalHits, resetTime: info.resetTime };
  return { info: copy, beforeMs, afterMs: Date.now() };
}

let stores = 0;

function pairOn(connection: RedisConnection, windowMs: number) {
  stores++;
  const ours = new ExpressRateLimitStore({ connection, prefix: `contract${stores}:` });
  const theirs = new MemoryStore();
  ours.init({ windowMs });
  theirs.init({ windowMs } as Parameters<MemoryStore['init']>[0]);
  // Per key, when its current window was opened (by an increment, or by a decrement without a
  // count): the earliest and the latest time either store can have opened it.
  const windows = new Map<string, { earliestMs: number; latestMs: number }>();

  async function apply(operation: Operation, key: string) {
    const ourCall = await timed(() => ours[operation](key));
    expect(ours.degraded).toBe(false);
    const theirCall = await timed(() => theirs[operation](key));
    return { ourCall, theirCall };
  }

  return {
    ours,
    theirs,
    async step(operation: Operation, key = 'client') {
      const { ourCall, theirCall } = await apply(operation, key);
      const ourInfo = ourCall.info;
      const theirInfo = theirCall.info;
      const label = `${operation}(${key})`;
      if (operation === 'get' || operation === 'increment') {
        expect(ourInfo?.totalHits, label).toBe(theirInfo?.totalHits);
      }
      if ((operation === 'increment' || operation === 'decrement') && !windows.has(key)) {
        windows.set(key, { earliestMs: ourCall.beforeMs, latestMs: theirCall.afterMs });
      }
      if (operation === 'resetKey') windows.delete(key);
      if (operation === 'resetAll') windows.clear();
      const opened = windows.get(key);
      const ourReset = ourInfo?.resetTime?.getTime();
      const theirReset = theirInfo?.resetTime?.getTime();
      if (ourReset !== undefined && theirReset !== undefined && opened !== undefined) {
        // Both end windowMs after the window opened; each is known to within the calls' times.
        const toleranceMs =
          opened.latestMs - opened.earliestMs + (ourCall.afterMs - ourCall.beforeMs) + 1;
        expect(Math.abs(ourReset - theirReset), label).toBeLessThanOrEqual(toleranceMs);
      } else {
        expect(ourReset === undefined, label).toBe(theirReset === undefined);
      }
      return { ours: ourInfo, theirs: theirInfo };
    },
    /** Resolves once both stores' current windows have certainly ended. */
    async windowOver(topology: StandaloneTopology | ClusterTopology, key = 'client') {
      const end = (windows.get(key)?.latestMs ?? Date.now()) + windowMs;
      await topology.waitFor(async () => Date.now() > end && (await ours.get(key)) === undefined, {
        timeoutMs: windowMs + 30_000,
        message: 'both windows over',
      });
      windows.delete(key);
    },
    close() {
      ours.shutdown();
      theirs.shutdown();
    },
  };
}

describe.each(['standalone', 'cluster'] as const)('ExpressRateLimitStore on %s', (kind) => {
  let topology: StandaloneTopology | ClusterTopology;
  let connection: RedisConnection;

  beforeAll(async () => {
    topology = kind === 'standalone' ? await startStandalone() : await startCluster();
    connection = createConnection(loadConfigFromEnv(topology.env()));
    await connection.connect();
  }, 120_000);

  afterAll(async () => {
    await connection?.close({ timeoutMs: 1_000 });
    await topology?.stop();
  });

  it('answers like MemoryStore: increment, get, decrement (never below zero), resetKey, resetAll', async () => {
    const pair = pairOn(connection, 600_000);
    try {
      expect((await pair.step('get')).ours).toBeUndefined();
      for (let hit = 1; hit <= 3; hit++) {
        expect((await pair.step('increment')).ours?.totalHits).toBe(hit);
      }
      await pair.step('decrement');
      expect((await pair.step('get')).ours?.totalHits).toBe(2);
      for (let index = 0; index < 3; index++) await pair.step('decrement');
      expect((await pair.step('get')).ours?.totalHits).toBe(0);
      await pair.step('increment', 'other');
      await pair.step('resetKey');
      expect((await pair.step('get')).ours).toBeUndefined();
      expect((await pair.step('get', 'other')).ours?.totalHits).toBe(1);
      // A decrement without a count opens a window at 0 in both.
      await pair.step('decrement');
      expect((await pair.step('get')).ours?.totalHits).toBe(0);
      expect((await pair.step('increment')).ours?.totalHits).toBe(1);
      await pair.step('resetAll');
      expect((await pair.step('get', 'other')).ours).toBeUndefined();
      expect((await pair.step('increment', 'other')).ours?.totalHits).toBe(1);
    } finally {
      pair.close();
    }
  });

  it('answers like MemoryStore once the window is over: nothing to get, and the next hit opens a new window', async () => {
    const pair = pairOn(connection, 1_000);
    try {
      await pair.step('increment');
      await pair.step('increment');
      await pair.windowOver(topology);
      expect((await pair.step('get')).ours).toBeUndefined();
      expect((await pair.step('increment')).ours?.totalHits).toBe(1);
    } finally {
      pair.close();
    }
  });

  it('answers like MemoryStore for any sequence within a window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            operation: fc.constantFrom<Operation>(
              'increment',
              'increment',
              'increment',
              'decrement',
              'get',
              'resetKey',
              'resetAll',
            ),
            key: fc.constantFrom('a', 'b'),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        async (steps) => {
          const pair = pairOn(connection, 600_000);
          try {
            for (const { operation, key } of steps) await pair.step(operation, key);
          } finally {
            pair.close();
          }
        },
      ),
      { numRuns: kind === 'cluster' ? 10 : 30 },
    );
  }, 120_000);
});
