import { Inject, Injectable } from '@nestjs/common';
import { CacheService } from '../cache/cache-service.js';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import { created } from '../internal/shutdown.js';
import { RedisPartitioningService } from '../partitioning/redis-partitioning-service.js';
import { RateLimitService } from '../rate-limit/rate-limit-service.js';
import {
  createRedisHealthReport,
  type DegradableComponent,
  type RedisHealthDetailValue,
  type RedisHealthReport,
} from './redis-health-report.js';
import { terminusKnowsDegraded } from './terminus-degraded.js';

/** Status values of a `@nestjs/terminus` indicator result. */
export type TerminusStatus = 'up' | 'degraded' | 'down';

/**
 * A `@nestjs/terminus` indicator result: `{ [key]: { status, ...details } }`. Structurally the
 * same as terminus' `HealthIndicatorResult`, so this package does not import terminus.
 */
export type RedisHealthIndicatorResult = Record<
  string,
  { status: TerminusStatus } & Record<string, RedisHealthDetailValue>
>;

/** Options of {@link RedisHealthIndicator.isHealthy}. */
export interface RedisHealthIndicatorOptions {
  /**
   * The terminus status reported while Redis is unusable and the fallback serves. Default:
   * `'degraded'` with terminus 12 (the check answers 200 with `status: 'degraded'`), `'up'` with
   * terminus 11, which has no `degraded` and would drop such a result (detected at the first
   * call). `'down'` fails the check (503).
   */
  degradedAs?: TerminusStatus;
}

/**
 * Redis health for `@nestjs/terminus` (`isHealthy`) and as the RedGrid health body (`report`,
 * the same body as `@redgrid/express`'s `healthRouter`). Reads the connection's last periodic
 * health check, so it adds no I/O and answers at once even while Redis hangs. The module's rate
 * limiter, cache and partition stores are reported too once they are in use.
 *
 * @example
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.redis.isHealthy('redis')]);
 * }
 */
@Injectable()
export class RedisHealthIndicator {
  readonly #connection: RedisConnectionService;
  readonly #rateLimits: RateLimitService;
  readonly #cache: CacheService;
  readonly #partitioning: RedisPartitioningService;

  constructor(
    @Inject(RedisConnectionService) connection: RedisConnectionService,
    @Inject(RateLimitService) rateLimits: RateLimitService,
    @Inject(CacheService) cache: CacheService,
    @Inject(RedisPartitioningService) partitioning: RedisPartitioningService,
  ) {
    this.#connection = connection;
    this.#rateLimits = rateLimits;
    this.#cache = cache;
    this.#partitioning = partitioning;
  }

  /**
   * The RedGrid health body: `overall` is `healthy`, `degraded` (serving from the in-memory
   * fallback) or `unhealthy` (answer HTTP 503).
   */
  report(): Promise<RedisHealthReport> {
    const limiter = this.#rateLimits[created]();
    const cache = this.#cache[created]();
    const stores: Record<string, DegradableComponent> = {};
    for (const [id, store] of this.#partitioning[created]()) stores[`partition:${id}`] = store;
    return createRedisHealthReport({
      connection: this.#connection.connection,
      ...(limiter === undefined ? {} : { limiters: { default: limiter } }),
      ...(cache === undefined ? {} : { caches: { default: cache } }),
      stores,
    });
  }

  /** A terminus indicator result under `key` (default `redis`) with the Redis check's details. */
  async isHealthy(
    key = 'redis',
    options: RedisHealthIndicatorOptions = {},
  ): Promise<RedisHealthIndicatorResult> {
    const report = await this.report();
    const check = report.checks[0];
    const status: TerminusStatus =
      report.overall === 'healthy'
        ? 'up'
        : report.overall === 'degraded'
          ? (options.degradedAs ?? ((await terminusKnowsDegraded()) ? 'degraded' : 'up'))
          : 'down';
    return {
      [key]: { status, message: check?.message ?? '', ...check?.details },
    };
  }
}
