import { MemoryStore } from '@redgrid/fallback';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckMode, LimitCheck, LimitProfile } from '../algorithm/limit-check.js';
import { RATE_LIMIT_ALGORITHMS } from '../algorithm/rate-limit-algorithm.js';
import { storageKeys } from '../keys/storage-keys.js';
import { RedisCheckEngine } from '../scripts/redis-check-engine.js';
import { type StartedRedis, startRedis } from '../test-support/redis-topologies.js';
import { MemoryCheckEngine } from './memory-check-engine.js';

// The memory fallback must decide like the script. Random sequences of consumes, dry runs and
// refunds with random costs run against both; windows are an hour long so that the few ms the
// sequence takes on Redis cannot change a decision.
let redis: StartedRedis;

beforeAll(async () => {
  redis = await startRedis('standalone');
});

afterAll(async () => {
  await redis?.stop();
});

describe('memory engine parity with the Lua script', () => {
  it.each(RATE_LIMIT_ALGORITHMS)('%s decides like Redis', async (algorithm) => {
    const onRedis = new RedisCheckEngine(redis.connection.client, {
      coalesce: false,
      maxBatch: 1,
      maxInFlight: 1,
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.record({
            mode: fc.constantFrom<CheckMode>('consume', 'consume', 'consume', 'dry-run', 'refund'),
            cost: fc.integer({ min: 1, max: 3 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        async (limit, steps) => {
          run++;
          const store = new MemoryStore({ sweepIntervalMs: 0 });
          const inMemory = new MemoryCheckEngine(store);
          const profile: LimitProfile = {
            algorithm,
            limit,
            windowMs: 3_600_000,
            burst: limit,
            blockMs: 0,
          };
          const keys = storageKeys(`parity${run}:`, algorithm, 'k');
          try {
            for (const step of steps) {
              const cost = Math.min(step.cost, limit);
              const check: LimitCheck = {
                profile,
                stateKey: keys.stateKey,
                blockKey: keys.blockKey,
                cost,
              };
              const expected = await onRedis.evaluate(step.mode, [check], keys.tag);
              const actual = inMemory.evaluate(step.mode, [check]);
              if (!expected.ok || !actual.ok) throw new Error('unexpected script error');
              expect(actual.allowed).toBe(expected.allowed);
              expect(actual.limits.map((outcome) => [outcome.allowed, outcome.remaining])).toEqual(
                expected.limits.map((outcome) => [outcome.allowed, outcome.remaining]),
              );
            }
          } finally {
            store.dispose();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
