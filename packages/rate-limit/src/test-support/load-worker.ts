// A separate process that keeps checking keys until told to stop, for the failover tests:
// `node --conditions=@redgrid/source --import tsx load-worker.ts`, with the REDIS_* variables of
// the topology as its environment. It connects with the defaults (loadConfigFromEnv, no
// options) and prints {"ready":true}. Then, on stdin:
// - {"type":"start","prefix","pauseMs","loads":[{"algorithm","key","limit","windowMs","concurrency"}]}:
//   for each load, `concurrency` loops each check the key, pause `pauseMs`, and check again;
//   prints {"started":true}.
// - {"type":"stop"}: ends the loops, waits for the checks in flight, and prints
//   {"counts":{<key>:{"allowed","rejected","degraded","errors","errorKinds"}}}.
// Closes on stdin end.
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import type { RateLimitAlgorithm } from '../algorithm/rate-limit-algorithm.js';
import { createRateLimiter } from '../limiter/create-rate-limiter.js';
import type { RateLimiter } from '../limiter/rate-limiter.js';

interface Load {
  algorithm: RateLimitAlgorithm;
  key: string;
  limit: number;
  windowMs: number;
  concurrency: number;
}

type Message = { type: 'start'; prefix: string; pauseMs: number; loads: Load[] } | { type: 'stop' };

/** What one worker counted for one key. */
export interface LoadCounts {
  allowed: number;
  rejected: number;
  degraded: number;
  errors: number;
  /** Errors by `code` (or name), to tell a deadline from anything else. */
  errorKinds: Record<string, number>;
}

const connection = createConnection(loadConfigFromEnv());
await connection.connect({ timeoutMs: 60_000 });
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

let stopped = false;
let loops: Promise<void>[] = [];
let limiters: RateLimiter[] = [];
let counts: Record<string, LoadCounts> = {};

async function run(limiter: RateLimiter, key: string, pauseMs: number, tally: LoadCounts) {
  while (!stopped) {
    try {
      const result = await limiter.check(key);
      if (result.degraded) tally.degraded++;
      else if (result.allowed) tally.allowed++;
      else tally.rejected++;
    } catch (error) {
      tally.errors++;
      const kind = String((error as { code?: unknown }).code ?? (error as Error).name);
      tally.errorKinds[kind] = (tally.errorKinds[kind] ?? 0) + 1;
    }
    // Sets the rate of the load only: no result depends on it.
    await delay(pauseMs);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const message = JSON.parse(line) as Message;
  if (message.type === 'start') {
    stopped = false;
    counts = {};
    for (const load of message.loads) {
      // `closed`: an answer Redis did not decide refuses (and is counted as degraded), so that
      // `allowed` counts exactly what Redis admitted.
      const limiter = createRateLimiter({
        connection,
        algorithm: load.algorithm,
        limit: load.limit,
        windowMs: load.windowMs,
        prefix: message.prefix,
        failurePolicy: 'closed',
      });
      limiters.push(limiter);
      const tally: LoadCounts = { allowed: 0, rejected: 0, degraded: 0, errors: 0, errorKinds: {} };
      counts[load.key] = tally;
      for (let index = 0; index < load.concurrency; index++) {
        loops.push(run(limiter, load.key, message.pauseMs, tally));
      }
    }
    process.stdout.write(`${JSON.stringify({ started: true })}\n`);
  } else {
    stopped = true;
    await Promise.all(loops);
    for (const limiter of limiters) limiter.dispose();
    loops = [];
    limiters = [];
    process.stdout.write(`${JSON.stringify({ counts })}\n`);
  }
}
stopped = true;
await Promise.all(loops);
await connection.close();
