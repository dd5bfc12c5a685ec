import { createConnection } from '@redgrid/connection';
import { createRateLimiter, type RateLimitAlgorithm, type RateLimiter } from '@redgrid/rate-limit';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { defineSuite } from '../define-suite.js';

// Rate-limit checks/s: @redgrid/rate-limit against rate-limiter-flexible's RateLimiterRedis
// (what a Node user would otherwise pick), same redis-server, same 50 concurrent callers.
// Traffic: KEYS distinct keys round-robin with a limit no caller reaches, so every check is a
// full read-decide-write (the expensive path). After the measurement each limiter also gets
// an exactness burst (1000 concurrent checks on one fresh key, limit 100) — the same check the
// test suite runs across 4 processes — so that the speed is compared at equal exactness.
const KEYS = 10_000;
const LIMIT = 1_000_000;
const WINDOW_MS = 60_000;
const BURST = 1_000;
const BURST_LIMIT = 100;

const algorithms: RateLimitAlgorithm[] = [
  'fixed-window',
  'sliding-window',
  'token-bucket',
  'gcra',
  'sliding-log',
];

export const suite = defineSuite({
  name: 'rate-limit',
  description: `rate-limit checks, ${KEYS} keys, under the limit: RedGrid vs rate-limiter-flexible (RateLimiterRedis)`,
  kind: 'load',
  concurrency: 50,
  async setup(context) {
    const { host, port } = await context.redis();
    // rate-limiter-flexible on a plain ioredis client, as its README shows.
    const plain = new Redis({ host, port, maxRetriesPerRequest: 1 });
    context.onTeardown(() => plain.quit());
    // RedGrid through its connection with the defaults a user gets (health check included):
    // breaker, deadline and metrics on every command.
    const connection = createConnection({ type: 'single', options: { host, port } });
    context.onTeardown(() => connection.close());

    const flexible = (points: number, keyPrefix: string) =>
      new RateLimiterRedis({
        storeClient: plain,
        points,
        duration: WINDOW_MS / 1000,
        keyPrefix,
      });
    const redgrid = (algorithm: RateLimitAlgorithm, limit: number, prefix: string) =>
      createRateLimiter({
        connection,
        algorithm,
        limit,
        windowMs: WINDOW_MS,
        prefix,
      });

    const rlf = flexible(LIMIT, 'bench-rlf');
    // RateLimiterRedis rejects its promise when the limit is exceeded; a check is a check.
    const consumeFlexible = (limiter: RateLimiterRedis, key: string) =>
      limiter.consume(key, 1).then(
        () => true,
        (rejection: unknown) => {
          if (rejection instanceof RateLimiterRes) return false;
          throw rejection;
        },
      );
    const limiters = new Map<RateLimitAlgorithm, RateLimiter>(
      algorithms.map((algorithm) => [algorithm, redgrid(algorithm, LIMIT, `bench-${algorithm}:`)]),
    );
    context.onTeardown(() => {
      for (const limiter of limiters.values()) limiter.dispose();
    });

    let counter = 0;
    const nextKey = () => {
      counter = (counter + 1) % KEYS;
      return `user:${counter}`;
    };

    const cases = [
      {
        name: 'rate-limiter-flexible RateLimiterRedis (fixed window)',
        baseline: true,
        fn: () => consumeFlexible(rlf, nextKey()),
      },
      ...algorithms.map((algorithm) => {
        const limiter = limiters.get(algorithm);
        if (!limiter) throw new Error(`no limiter for ${algorithm}`);
        return {
          name: `redgrid ${algorithm}`,
          fn: () => limiter.check(nextKey()),
        };
      }),
    ];

    // The exactness burst: BURST concurrent checks on one fresh key, limit BURST_LIMIT.
    const burst = async (check: (key: string) => Promise<boolean>, key: string) => {
      const allowed = await Promise.all(Array.from({ length: BURST }, () => check(key)));
      return allowed.filter(Boolean).length;
    };

    return {
      cases,
      notes: async (results) => {
        const run = Date.now().toString(36);
        const lines: string[] = [];
        const exactLimiter = flexible(BURST_LIMIT, 'bench-rlf-exact');
        const exactFlexible = await burst(
          (key) => consumeFlexible(exactLimiter, key),
          `exact:${run}`,
        );
        lines.push(
          `exactness (${BURST} concurrent checks, one key, limit ${BURST_LIMIT}): rate-limiter-flexible ${exactFlexible}`,
        );
        for (const algorithm of algorithms) {
          const limiter = redgrid(algorithm, BURST_LIMIT, `bench-exact-${algorithm}:`);
          const allowed = await burst(
            (key) => limiter.check(key).then((result) => result.allowed),
            `exact:${run}`,
          );
          limiter.dispose();
          lines.push(`exactness: redgrid ${algorithm} ${allowed}`);
        }
        const baseline = results.find((result) => result.baseline);
        for (const result of results) {
          if (result === baseline) continue;
          lines.push(`${result.name} / rate-limiter-flexible: ${result.ratio.toFixed(2)}x`);
        }
        return lines;
      },
    };
  },
});
