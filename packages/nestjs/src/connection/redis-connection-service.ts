import { Inject, Injectable } from '@nestjs/common';
import { type ConnectionHealth, createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import type { RedisModuleOptions } from '../module/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../module/tokens.js';
import { createNestLogger } from './nest-logger.js';

/**
 * The module's Redis connection (single server, Cluster or Sentinel, as configured), injectable
 * anywhere once `RedisModule` is imported. `getClient()` is the guarded ioredis client: every
 * command passes the circuit breaker and a deadline, so a dead Redis fails fast instead of
 * hanging requests.
 *
 * Gotcha: do not `quit()` the client yourself; the module closes the connection on
 * application shutdown (`app.close()`, or a signal with `enableShutdownHooks()`).
 *
 * @example
 * constructor(@Inject(RedisConnectionService) private readonly redis: RedisConnectionService) {}
 * async ping() { return this.redis.isHealthy() ? this.redis.getClient().ping() : 'degraded'; }
 */
@Injectable()
export class RedisConnectionService {
  /** The `@redgrid/connection` connection itself: health, metrics, events, `dedicated()`. */
  readonly connection: RedisConnection;

  constructor(@Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions) {
    this.connection = createConnection(options.config ?? loadConfigFromEnv(), {
      logger: createNestLogger(),
      ...options.connection,
    });
  }

  /** The guarded ioredis client: a `Redis` for single and Sentinel, a `Cluster` for a cluster. */
  getClient(): Redis | Cluster {
    return this.connection.client;
  }

  /** True when the connection is ready: commands are expected to succeed now. */
  isHealthy(): boolean {
    return this.connection.isHealthy();
  }

  /** The last known health (latency, node count, breaker state, ...), without I/O. */
  health(): ConnectionHealth {
    return this.connection.health();
  }

  /** Runs a health check now (a PING per master) and returns the result. */
  checkHealth(): Promise<ConnectionHealth> {
    return this.connection.checkHealth();
  }
}
