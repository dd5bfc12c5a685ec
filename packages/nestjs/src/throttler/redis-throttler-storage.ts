import { Inject, Injectable, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConfigError } from '@redgrid/core';
import {
  createRateLimiter,
  createThrottlerCounter,
  RATE_LIMIT_ALGORITHMS,
  type RateLimitAlgorithm,
  type RateLimiter,
  type ThrottlerCounter,
} from '@redgrid/rate-limit';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import type { RedisModuleOptions } from '../module/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../module/tokens.js';
import {
  REDIS_THROTTLER_STORAGE_OPTIONS,
  type RedisThrottlerStorageOptions,
  type ThrottlerStorageAlgorithm,
} from './redis-throttler-storage-options.js';

/**
 * What `@nestjs/throttler`'s `ThrottlerStorage.increment` returns (its
 * `ThrottlerStorageRecord`), restated so that this package does not import throttler.
 */
export interface ThrottlerStorageRecord {
  /** Hits counted for the throttler name, this one included. */
  totalHits: number;
  /** Seconds until the key's window resets (throttler's `X-RateLimit-Reset`). */
  timeToExpire: number;
  /** True when the request must be refused. */
  isBlocked: boolean;
  /** Seconds until a refused key may pass again (throttler's `Retry-After`); 0 when not blocked. */
  timeToBlockExpire: number;
}

/** What {@link RedisThrottlerStorage.increment} returns: throttler's record and two extras. */
export interface RedisThrottlerStorageRecord extends ThrottlerStorageRecord {
  /** True when Redis could not answer and the failure policy decided (counted in memory by default). */
  degraded: boolean;
  /**
   * When the decision was made, ms since the Unix epoch: the Redis server's `TIME` with the
   * default algorithm; this process's `Date.now()` when degraded or with another algorithm.
   */
  decidedAtMs: number;
}

/**
 * A `@nestjs/throttler` storage in Redis: every instance of the application shares the
 * throttler's counts, and a user who swaps throttler's in-memory `ThrottlerStorageService` for
 * it keeps every behaviour. By default (`algorithm: 'throttler'`) it follows throttler's storage
 * contract exactly: each hit counts for `ttl` after it was made; over the limit a key is refused
 * for `blockDuration`, and the first request after the block passes with the count started
 * again; `timeToExpire` is the key's window (from its first hit), in seconds rounded up;
 * `timeToBlockExpire` is the time left of the block (or, without a block, until the oldest hit
 * expires). One atomic script per hit with the Redis server's clock, cluster-safe. While Redis
 * is down the module's `rateLimit.failurePolicy` answers (default `memory`: the same algorithm in
 * this process). Other algorithms are an option (see {@link RedisThrottlerStorageOptions}).
 *
 * Gotcha: one difference remains: when not blocked, `timeToBlockExpire` is 0 here, while
 * throttler's in-memory store returns a meaningless non-positive number (the guard ignores it).
 *
 * @example
 * ThrottlerModule.forRootAsync({
 *   inject: [RedisThrottlerStorage],
 *   useFactory: (storage: RedisThrottlerStorage) => ({ throttlers: [{ ttl: 60_000, limit: 10 }], storage }),
 * })
 */
@Injectable()
export class RedisThrottlerStorage implements OnApplicationShutdown {
  /** How hits are counted; see {@link RedisThrottlerStorageOptions.algorithm}. */
  readonly algorithm: ThrottlerStorageAlgorithm;
  readonly #connection: RedisConnectionService;
  readonly #moduleOptions: RedisModuleOptions;
  #counter: ThrottlerCounter | undefined;
  #limiter: RateLimiter | undefined;

  constructor(
    @Inject(RedisConnectionService) connection: RedisConnectionService,
    @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions,
    @Optional()
    @Inject(REDIS_THROTTLER_STORAGE_OPTIONS)
    options?: RedisThrottlerStorageOptions,
  ) {
    const algorithm = options?.algorithm ?? 'throttler';
    if (
      algorithm !== 'throttler' &&
      !RATE_LIMIT_ALGORITHMS.includes(algorithm as RateLimitAlgorithm)
    ) {
      throw new ConfigError([
        {
          variable: 'options.algorithm',
          message: `must be 'throttler' (the default, throttler's own contract) or one of ${RATE_LIMIT_ALGORITHMS.map((name) => `'${name}'`).join(', ')}, got ${String(algorithm)}`,
        },
      ]);
    }
    this.algorithm = algorithm;
    this.#connection = connection;
    this.#moduleOptions = moduleOptions;
  }

  /**
   * Counts one hit of `key` against `limit` per `ttl` ms for the throttler `throttlerName`;
   * once over the limit the key is refused for `blockDuration` ms. The signature of
   * `ThrottlerStorage.increment`.
   */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<RedisThrottlerStorageRecord> {
    if (this.algorithm !== 'throttler') {
      return this.#incrementWith(this.algorithm, key, ttl, limit, blockDuration, throttlerName);
    }
    const hit = await this.#throttlerCounter().hit(key, {
      ttlMs: ttl,
      limit,
      blockDurationMs: blockDuration,
      name: throttlerName,
    });
    return {
      totalHits: hit.totalHits,
      timeToExpire: Math.ceil(hit.timeToExpireMs / 1000),
      isBlocked: hit.isBlocked,
      timeToBlockExpire: hit.isBlocked ? Math.ceil(hit.timeToBlockExpireMs / 1000) : 0,
      degraded: hit.degraded,
      decidedAtMs: hit.decidedAtMs,
    };
  }

  /** Releases the in-memory fallback. Nest calls it on shutdown; the connection is the module's. */
  onApplicationShutdown(): void {
    this.#counter?.dispose();
    this.#counter = undefined;
    this.#limiter?.dispose();
    this.#limiter = undefined;
  }

  #throttlerCounter(): ThrottlerCounter {
    if (this.#counter === undefined) {
      const rateLimit = this.#moduleOptions.rateLimit;
      this.#counter = createThrottlerCounter({
        connection: this.#connection.connection,
        ...(rateLimit?.prefix === undefined ? {} : { prefix: rateLimit.prefix }),
        ...(rateLimit?.failurePolicy === undefined
          ? {}
          : { failurePolicy: rateLimit.failurePolicy }),
        ...(rateLimit?.memory === undefined ? {} : { memory: rateLimit.memory }),
      });
    }
    return this.#counter;
  }

  // A window algorithm of @redgrid/rate-limit: throttler's ttl is its window, blockDuration its
  // block. Counts differ from throttler's (see RedisThrottlerStorageOptions).
  async #incrementWith(
    algorithm: RateLimitAlgorithm,
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<RedisThrottlerStorageRecord> {
    const windowMs = Math.max(1, Math.ceil(ttl));
    if (limit < 1) {
      // The limiter needs a limit of at least 1; a limit of 0 refuses everything uncounted.
      return {
        totalHits: 1,
        timeToExpire: Math.ceil(windowMs / 1000),
        isBlocked: true,
        timeToBlockExpire: Math.ceil(Math.max(windowMs, blockDuration) / 1000),
        degraded: false,
        decidedAtMs: Date.now(),
      };
    }
    this.#limiter ??= createRateLimiter({
      ...this.#moduleOptions.rateLimit,
      algorithm,
      limit: 1,
      windowMs: 1_000,
      connection: this.#connection.connection,
    });
    const result = await this.#limiter.check(`throttler:${throttlerName}:${key}`, {
      limit: Math.floor(limit),
      windowMs,
      blockDurationMs: Math.max(0, Math.ceil(blockDuration)),
    });
    const timeToExpire = Math.max(0, Math.ceil(result.resetMs / 1000));
    const decided = { degraded: result.degraded, decidedAtMs: Date.now() };
    if (result.allowed) {
      return {
        totalHits: Math.max(1, result.limit - result.remaining),
        timeToExpire,
        isBlocked: false,
        timeToBlockExpire: 0,
        ...decided,
      };
    }
    return {
      totalHits: result.limit + 1,
      timeToExpire,
      isBlocked: true,
      timeToBlockExpire: Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
      ...decided,
    };
  }
}
