import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_ALGORITHMS } from '../algorithm/rate-limit-algorithm.js';
import {
  type StartedRedis,
  startRedis,
  type TopologyKind,
} from '../test-support/redis-topologies.js';
import { WorkerPool } from '../test-support/worker-pool.js';
import { createRateLimiter } from './create-rate-limiter.js';

// 4 real processes (node + tsx on the sources) each fire 250 concurrent checks at one key with
// limit 100, all released at once: exactly 100 must pass, whatever the algorithm. The window is
// an hour so that the refilling algorithms (token-bucket, gcra: one unit per 36 s) cannot
// legitimately admit a 101st during the burst.
const PROCESSES = 4;
const CHECKS = 250;
const LIMIT = 100;
const WINDOW_MS = 3_600_000;

describe.each<TopologyKind>(['standalone', 'cluster'])('exactness on %s', (kind) => {
  let redis: StartedRedis;
  let pool: WorkerPool;

  beforeAll(async () => {
    redis = await startRedis(kind);
    pool = await WorkerPool.start(PROCESSES, redis.env);
  });

  afterAll(async () => {
    await pool?.stop();
    await redis?.stop();
  });

  it.each(
    RATE_LIMIT_ALGORITHMS.flatMap((algorithm) => [
      { algorithm, coalesce: true },
      { algorithm, coalesce: false },
    ]),
  )(
    '$algorithm (coalesce $coalesce): 4 processes x 250 concurrent checks, limit 100 -> exactly 100',
    async ({ algorithm, coalesce }) => {
      const counts = await pool.round({
        algorithm,
        key: `exact:${algorithm}:${coalesce}`,
        limit: LIMIT,
        windowMs: WINDOW_MS,
        checks: CHECKS,
        coalesce,
        prefix: `x${Date.now().toString(36)}:`,
      });
      const total = counts.reduce(
        (sum, count) => ({
          allowed: sum.allowed + count.allowed,
          rejected: sum.rejected + count.rejected,
          degraded: sum.degraded + count.degraded,
          errors: sum.errors + count.errors,
        }),
        { allowed: 0, rejected: 0, degraded: 0, errors: 0 },
      );
      expect(total).toEqual({
        allowed: LIMIT,
        rejected: PROCESSES * CHECKS - LIMIT,
        degraded: 0,
        errors: 0,
      });
      // Every process had each of its checks decided by Redis (which process won the admitted
      // units is up to the race, and not asserted).
      expect(counts.every((count) => count.allowed + count.rejected === CHECKS)).toBe(true);
    },
  );

  it.each(RATE_LIMIT_ALGORITHMS)(
    '%s at a window boundary: never more than the limit per window, admits again after it',
    async (algorithm) => {
      // 5 per 2 s: token-bucket and gcra refill one unit every 400 ms, far longer than the one
      // tick (at most a few pipelined script calls) in which a burst is decided.
      const limit = 5;
      const windowMs = 2_000;
      const limiter = createRateLimiter({
        connection: redis.connection,
        algorithm,
        limit,
        windowMs,
        prefix: `boundary${Date.now().toString(36)}:`,
      });
      const burst = async () => {
        const results = await Promise.all(Array.from({ length: 40 }, () => limiter.check('edge')));
        return {
          allowed: results.filter((result) => !result.degraded && result.allowed).length,
          rejected: results.filter((result) => !result.degraded && !result.allowed),
        };
      };
      // Taken before the burst, so that the time measured until the key admits again is never
      // shorter than the time Redis saw pass.
      const sentAt = Date.now();
      const first = await burst();
      expect(first.allowed).toBe(limit);
      expect(first.rejected).toHaveLength(40 - limit);
      const retryAfterMs = Math.min(...first.rejected.map((result) => result.retryAfterMs));
      expect(retryAfterMs).toBeGreaterThan(0);
      await redis.topology.waitFor(async () => (await limiter.peek('edge')).allowed, {
        timeoutMs: 30_000,
        intervalMs: 10,
        message: `${algorithm} admits again`,
      });
      // Not before the retry time it announced (10 ms of slack for the two clocks' reads).
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(retryAfterMs - 10);
      const next = await burst();
      expect(next.allowed).toBeGreaterThanOrEqual(1);
      expect(next.allowed).toBeLessThanOrEqual(limit);
      // A fixed window restarts whole: exactly the limit again.
      if (algorithm === 'fixed-window') expect(next.allowed).toBe(limit);
      limiter.dispose();
    },
  );
});
