// Bundled by run-peer-suites.ts into a copy of express-rate-limit's source, where it replaces
// the in-memory MemoryStore (the default store of every limiter the tests create): the tests
// then count with RedGrid's ExpressRateLimitStore on the Redis server named by
// REDIS_HOST/REDIS_PORT. Nothing here is published.
import { randomUUID } from 'node:crypto';
import {
  createConnection,
  type RedisConnection,
} from '../../../../packages/connection/src/index.js';
import { loadConfigFromEnv } from '../../../../packages/core/src/index.js';
import { ExpressRateLimitStore } from '../../../../packages/express/src/store/express-rate-limit-store.js';

// jest loads this module afresh for every test file, in workers that run several files: a
// random run id keeps the stores of two files apart.
const run = randomUUID().slice(0, 8);
let instances = 0;
let shared: RedisConnection | undefined;

// One connection per test file (jest loads this module once per file); the runner passes
// --forceExit, as the in-memory store needs no connection to close.
function connection(): RedisConnection {
  shared ??= createConnection(loadConfigFromEnv(process.env));
  return shared;
}

/**
 * Stands in for express-rate-limit's MemoryStore: same constructor (its validations argument is
 * MemoryStore's own windowMs check, not a store contract, and is ignored). Each instance counts
 * under a prefix of its own, as each in-memory instance starts empty.
 */
export class MemoryStore extends ExpressRateLimitStore {
  constructor(_validations?: unknown) {
    instances++;
    super({ connection: connection(), prefix: `peer:${run}:${instances}:` });
  }
}
