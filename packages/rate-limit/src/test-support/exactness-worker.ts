// A separate process for the exactness tests: `node --conditions=@redgrid/source --import tsx
// exactness-worker.ts`, with the REDIS_* variables of the topology as its environment. It
// connects with the defaults (loadConfigFromEnv, no options), prints {"ready":true}, then for
// every line {"algorithm","key","limit","windowMs","checks","coalesce","prefix"} on stdin fires
// `checks` concurrent checks at once and prints {"allowed","rejected","degraded","errors"}.
// Closes on stdin end.
import { createInterface } from 'node:readline';
import { createConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import type { RateLimitAlgorithm } from '../algorithm/rate-limit-algorithm.js';
import { createRateLimiter } from '../limiter/create-rate-limiter.js';

interface Round {
  algorithm: RateLimitAlgorithm;
  key: string;
  limit: number;
  windowMs: number;
  checks: number;
  coalesce: boolean;
  prefix: string;
}

const connection = createConnection(loadConfigFromEnv());
await connection.connect({ timeoutMs: 60_000 });
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const round = JSON.parse(line) as Round;
  const limiter = createRateLimiter({
    connection,
    algorithm: round.algorithm,
    limit: round.limit,
    windowMs: round.windowMs,
    prefix: round.prefix,
    coalesce: round.coalesce,
    failurePolicy: 'closed',
  });
  const counts = { allowed: 0, rejected: 0, degraded: 0, errors: 0 };
  await Promise.all(
    Array.from({ length: round.checks }, () =>
      limiter.check(round.key).then(
        (result) => {
          if (result.degraded) counts.degraded++;
          else if (result.allowed) counts.allowed++;
          else counts.rejected++;
        },
        () => {
          counts.errors++;
        },
      ),
    ),
  );
  limiter.dispose();
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}
await connection.close();
