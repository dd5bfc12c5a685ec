// One process of the cross-process single-flight tests. It connects from the environment (the
// parent gives the REDIS_* variables of its test server), prints `ready`, waits for `go` on
// stdin, counts itself in `<prefix>arrived`, then calls getOrSet(key). Its loader counts each
// run in `<prefix>loads` (INCR) and holds until `arrivals` processes have arrived, so that every
// process misses while it runs; it returns a value naming this process. In mode `hang` the
// loader prints `loading` and never returns: the parent kills the process mid-load.
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import type { Redis } from 'ioredis';
import { createCache } from '../index.js';

const [
  prefix = 'child:',
  key = 'key',
  mode = 'load',
  lockTtlMs = '5000',
  waitMs = '10000',
  arrivals = '1',
] = process.argv.slice(2);
const print = (message: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify(message)}\n`);

const connection = createConnection(loadConfigFromEnv(process.env));
const client = connection.client as Redis;
const cache = createCache({
  connection,
  prefix,
  jitter: 0,
  l1: false,
  distributedSingleFlight: { lockTtlMs: Number(lockTtlMs), waitMs: Number(waitMs) },
});
await client.ping();
print({ type: 'ready' });
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
lines.close();
await client.incr(`${prefix}arrived`);
const result = await cache.getOrSetWithMetadata(
  key,
  async () => {
    await client.incr(`${prefix}loads`);
    if (mode === 'hang') {
      print({ type: 'loading' });
      await new Promise(() => undefined);
    }
    while (Number(await client.get(`${prefix}arrived`)) < Number(arrivals)) await sleep(10);
    return `loaded by ${process.pid}`;
  },
  { ttlMs: 60_000 },
);
print({ type: 'result', value: result.value, source: result.source });
await cache.close();
await connection.close();
