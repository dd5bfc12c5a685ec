// Bundled by run-peer-suites.ts into a copy of @nestjs/throttler's source, where it replaces
// throttler's in-memory ThrottlerStorageService: every test that uses the default storage then
// counts with RedGrid's RedisThrottlerStorage on the Redis server named by REDIS_HOST/REDIS_PORT.
// Nothing here is published; @nestjs/common comes from the peer's own node_modules.
import { randomUUID } from 'node:crypto';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { loadConfigFromEnv } from '../../../../packages/core/src/index.js';
import { RedisConnectionService } from '../../../../packages/nestjs/src/connection/redis-connection-service.js';
import { RedisThrottlerStorage } from '../../../../packages/nestjs/src/throttler/redis-throttler-storage.js';
import type { ThrottlerStorageAlgorithm } from '../../../../packages/nestjs/src/throttler/redis-throttler-storage-options.js';

// jest loads this module afresh for every test file, in workers that run several files: a
// random run id keeps the stores of two files apart.
const run = randomUUID().slice(0, 8);
let instances = 0;
const ALGORITHM_VARIABLE = 'REDGRID_PEER_THROTTLER_ALGORITHM';
const ignore = () => undefined;
const silent = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * Stands in for throttler's ThrottlerStorageService: same constructor (none), same increment.
 * Each instance counts under a prefix of its own, as each in-memory instance starts empty.
 */
@Injectable()
export class ThrottlerStorageService implements OnApplicationShutdown {
  readonly #connection: RedisConnectionService;
  readonly #storage: RedisThrottlerStorage;

  constructor() {
    instances++;
    const moduleOptions = {
      config: loadConfigFromEnv(process.env),
      connection: { logger: silent },
      rateLimit: { prefix: `peer:${run}:${instances}:` },
    };
    this.#connection = new RedisConnectionService(moduleOptions);
    // Another algorithm can be tried (e.g. sliding-window, the default before the contract).
    const algorithm = process.env[ALGORITHM_VARIABLE] as ThrottlerStorageAlgorithm | undefined;
    this.#storage = new RedisThrottlerStorage(
      this.#connection,
      moduleOptions,
      algorithm ? { algorithm } : {},
    );
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    return this.#storage.increment(key, ttl, limit, blockDuration, name);
  }

  async onApplicationShutdown(): Promise<void> {
    this.#storage.onApplicationShutdown();
    await this.#connection.connection.close({ timeoutMs: 1_000 });
  }
}
