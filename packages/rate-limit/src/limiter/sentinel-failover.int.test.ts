import type { RedisNode, SentinelTopology } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitAlgorithm } from '../algorithm/rate-limit-algorithm.js';
import type { LoadCounts } from '../test-support/load-worker.js';
import { type StartedRedis, startRedis } from '../test-support/redis-topologies.js';
import { WorkerPool } from '../test-support/worker-pool.js';
import { createRateLimiter } from './create-rate-limiter.js';

// What exactness a user keeps across a Sentinel failover, with the connection every process
// builds from the environment alone (loadConfigFromEnv(topology.env()), no options): 3 worker
// processes keep checking one key per algorithm (4 loops each) while the master changes, until
// the new master has counted the key to its limit. Each prints a one-line JSON summary.
//
// - Planned (`SENTINEL FAILOVER`): the connection holds writes from `+try-failover` to
//   `+switch-master` and a check waits through the switch within its deadline, so exactly
//   `limit` pass, with no error and no degraded answer.
// - Master killed: what the master acknowledged but had not yet replicated is missing on the
//   promoted replica, so more can pass; the README's bound is one extra `limit` per key per
//   window. A check whose first attempt executed and is then sent again counts twice, so fewer
//   than `limit` can pass too (under-, never over-admission).
//
// The window (an hour) outlasts the test, so every admission of a key falls into one window; the
// algorithms are those whose window starts with the key (fixed-window) or slides (sliding-log):
// no refill or epoch-aligned bucket can legitimately admit more while the test runs. The
// workers' limiters answer `closed` when Redis cannot decide, so `allowed` counts Redis'
// admissions only (degraded answers are counted apart).

const PROCESSES = 3;
const LIMIT = 3_000;
const WINDOW_MS = 3_600_000;
const ALGORITHMS: readonly RateLimitAlgorithm[] = ['fixed-window', 'sliding-log'];

interface Outcome {
  failoverMs: number;
  /** Per algorithm: what was left of the limit once the replica was promoted. */
  remainingAfterFailover: Record<string, number | undefined>;
  /** Per algorithm: the counts of every process added up. */
  totals: Record<string, LoadCounts>;
  /** Per algorithm: checks each process made (to show that each took part). */
  checksPerProcess: Record<string, number[]>;
}

let redis: StartedRedis;
let topology: SentinelTopology;
let pool: WorkerPool;

beforeAll(async () => {
  redis = await startRedis('sentinel');
  topology = redis.topology as SentinelTopology;
  pool = await WorkerPool.start(PROCESSES, redis.env, 'load');
}, 180_000);

afterAll(async () => {
  await pool?.stop();
  await redis?.stop();
});

function add(total: LoadCounts, counts: LoadCounts): LoadCounts {
  const errorKinds = { ...total.errorKinds };
  for (const [kind, count] of Object.entries(counts.errorKinds)) {
    errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
  }
  return {
    allowed: total.allowed + counts.allowed,
    rejected: total.rejected + counts.rejected,
    degraded: total.degraded + counts.degraded,
    errors: total.errors + counts.errors,
    errorKinds,
  };
}

/** Runs the load on one key per algorithm across `failover`, until every key is exhausted. */
async function acrossFailover(
  scenario: string,
  failover: (master: RedisNode) => Promise<void>,
): Promise<Outcome> {
  const prefix = `${scenario}:`;
  const keys = ALGORITHMS.map((algorithm) => ({ algorithm, key: `one-key:${algorithm}` }));
  // The test's own view of Redis' counts (peek consumes nothing).
  const monitors = keys.map(({ algorithm, key }) => ({
    key,
    limiter: createRateLimiter({
      connection: redis.connection,
      algorithm,
      limit: LIMIT,
      windowMs: WINDOW_MS,
      prefix,
      failurePolicy: 'closed',
    }),
  }));
  const remaining = () =>
    Promise.all(
      monitors.map(async ({ limiter, key }) => {
        const result = await limiter.peek(key);
        return result.degraded ? undefined : result.remaining;
      }),
    );
  try {
    await pool.broadcast({
      type: 'start',
      prefix,
      pauseMs: 20,
      loads: keys.map(({ algorithm, key }) => ({
        algorithm,
        key,
        limit: LIMIT,
        windowMs: WINDOW_MS,
        concurrency: 4,
      })),
    });
    // A third of every limit is counted by the first master before it goes.
    await topology.waitFor(
      async () =>
        (await remaining()).every((left) => left !== undefined && left <= (LIMIT * 2) / 3),
      { timeoutMs: 60_000, intervalMs: 20, message: 'a third of each limit consumed' },
    );
    const master = await topology.master();
    const startedAt = performance.now();
    await failover(master);
    await topology.waitFor(async () => (await topology.master()).id !== master.id, {
      timeoutMs: 60_000,
      intervalMs: 20,
      message: 'a replica promoted',
    });
    const failoverMs = Math.round(performance.now() - startedAt);
    const left = await remaining();
    const remainingAfterFailover = Object.fromEntries(
      keys.map(({ algorithm }, index) => [algorithm, left[index]]),
    );
    // The checks go on until the new master has counted every key to its limit.
    await topology.waitFor(async () => (await remaining()).every((left) => left === 0), {
      timeoutMs: 120_000,
      intervalMs: 50,
      message: 'every key exhausted on the new master',
    });
    expect(redis.connection.health().currentMaster?.port).not.toBe(master.port);
    const answers = (await pool.broadcast({ type: 'stop' })) as Array<{
      counts: Record<string, LoadCounts>;
    }>;
    const totals: Record<string, LoadCounts> = {};
    const checksPerProcess: Record<string, number[]> = {};
    for (const { algorithm, key } of keys) {
      const perProcess = answers.map((answer) => {
        const counts = answer.counts[key];
        if (counts === undefined) throw new Error(`a worker reported nothing for ${key}`);
        return counts;
      });
      totals[algorithm] = perProcess.reduce(add, {
        allowed: 0,
        rejected: 0,
        degraded: 0,
        errors: 0,
        errorKinds: {},
      });
      checksPerProcess[algorithm] = perProcess.map(
        (counts) => counts.allowed + counts.rejected + counts.degraded + counts.errors,
      );
    }
    return { failoverMs, remainingAfterFailover, totals, checksPerProcess };
  } finally {
    for (const { limiter } of monitors) limiter.dispose();
  }
}

/**
 * The scenario happened as described: every process kept checking, and the load went on
 * across the switch (the new master admitted part of each limit, the old one the first third).
 */
function expectLoadAcrossFailover(outcome: Outcome): void {
  for (const algorithm of ALGORITHMS) {
    expect(outcome.remainingAfterFailover[algorithm]).toBeGreaterThan(0);
    for (const checks of outcome.checksPerProcess[algorithm] ?? []) {
      expect(checks).toBeGreaterThan(0);
    }
  }
}

function report(scenario: string, outcome: Outcome): void {
  const extra = Object.fromEntries(
    Object.entries(outcome.totals).map(([algorithm, total]) => [algorithm, total.allowed - LIMIT]),
  );
  console.log(JSON.stringify({ scenario, limit: LIMIT, extra, ...outcome }));
}

describe('rate limiter across a Sentinel failover, 3 processes on one key', () => {
  it('planned (SENTINEL FAILOVER): exactly the limit passes, no error, no degraded answer', async () => {
    const outcome = await acrossFailover('planned', async () => {
      await topology.failover({ timeoutMs: 60_000 });
    });
    report('sentinel-planned-failover', outcome);
    expectLoadAcrossFailover(outcome);
    for (const algorithm of ALGORITHMS) {
      expect(outcome.totals[algorithm]).toMatchObject({
        allowed: LIMIT,
        degraded: 0,
        errors: 0,
      });
    }
  }, 240_000);

  it('master killed: no error, at most one extra limit passes (what was not yet replicated)', async () => {
    const outcome = await acrossFailover('killed', (master) => topology.kill(master));
    report('sentinel-master-killed', outcome);
    expectLoadAcrossFailover(outcome);
    for (const algorithm of ALGORITHMS) {
      const total = outcome.totals[algorithm];
      expect(total?.errors).toBe(0);
      expect(total?.allowed).toBeLessThanOrEqual(2 * LIMIT);
    }
  }, 240_000);
});
