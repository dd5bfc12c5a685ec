import { Inject, Injectable } from '@nestjs/common';
import { RateLimitService } from '../rate-limit/rate-limit-service.js';

/**
 * What `@nestjs/throttler`'s `ThrottlerStorage.increment` returns (its
 * `ThrottlerStorageRecord`), restated so that this package does not import throttler.
 */
export interface ThrottlerStorageRecord {
  /** Hits counted in the current window (more than the limit once refused). */
  totalHits: number;
  /** Seconds until the window resets. */
  timeToExpire: number;
  /** True when the request must be refused. */
  isBlocked: boolean;
  /** Seconds until a refused key may pass again (0 when not blocked). */
  timeToBlockExpire: number;
}

/**
 * A `@nestjs/throttler` storage backed by the module's distributed rate limiter, so that every
 * instance of the application shares the throttler's counts, and throttling keeps working (per
 * instance, from memory) while Redis is down. The algorithm is the module's
 * `rateLimit.algorithm` (default `sliding-window`); throttler's `ttl` is the window and its
 * `blockDuration` the block after the limit is exceeded.
 *
 * @example
 * ThrottlerModule.forRootAsync({
 *   inject: [RedisThrottlerStorage],
 *   useFactory: (storage: RedisThrottlerStorage) => ({ throttlers: [{ ttl: 60_000, limit: 10 }], storage }),
 * })
 */
@Injectable()
export class RedisThrottlerStorage {
  readonly #rateLimits: RateLimitService;

  constructor(@Inject(RateLimitService) rateLimits: RateLimitService) {
    this.#rateLimits = rateLimits;
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
  ): Promise<ThrottlerStorageRecord> {
    const windowMs = Math.max(1, Math.ceil(ttl));
    const result = await this.#rateLimits.check(`throttler:${throttlerName}:${key}`, {
      limit,
      windowMs,
      blockDurationMs: Math.max(0, Math.ceil(blockDuration)),
    });
    const timeToExpire = Math.max(0, Math.ceil(result.resetMs / 1000));
    if (result.allowed) {
      return {
        totalHits: Math.max(1, result.limit - result.remaining),
        timeToExpire,
        isBlocked: false,
        timeToBlockExpire: 0,
      };
    }
    return {
      totalHits: result.limit + 1,
      timeToExpire,
      isBlocked: true,
      timeToBlockExpire: Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
    };
  }
}
