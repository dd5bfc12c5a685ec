import { Inject, Injectable } from '@nestjs/common';
import {
  type CheckOptions,
  createRateLimiter,
  type RateLimiter,
  type RateLimitResult,
} from '@redgrid/rate-limit';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import { created, shutdown } from '../internal/shutdown.js';
import type { RedisModuleOptions } from '../module/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../module/tokens.js';

/** Limits of one {@link RateLimitService.checkRateLimit} call. */
export interface RateLimitCheck extends CheckOptions {
  /** Units allowed per window. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
}

/**
 * Distributed rate limiting over the module's Redis connection (`@redgrid/rate-limit`): one
 * atomic script per check on the node owning the key, with the server's clock, so every
 * instance of the application shares the counts. While Redis is down the limiter's failure
 * policy answers (default `memory`: counted in this process, `degraded: true`).
 *
 * @example
 * const result = await this.rateLimits.checkRateLimit('api', { limit: 100, windowMs: 60_000 }, 'user:123');
 * if (!result.allowed) throw new HttpException('Too Many Requests', 429);
 */
@Injectable()
export class RateLimitService {
  readonly #connectionService: RedisConnectionService;
  readonly #options: RedisModuleOptions;
  #limiter: RateLimiter | undefined;

  constructor(
    @Inject(RedisConnectionService) connectionService: RedisConnectionService,
    @Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions,
  ) {
    this.#connectionService = connectionService;
    this.#options = options;
  }

  /**
   * The `@redgrid/rate-limit` limiter, created on first use from the module's `rateLimit`
   * options: `check`, `checkAll` (several limits at once), `peek`, `refund`, `reset`, `stats`.
   */
  get limiter(): RateLimiter {
    this.#limiter ??= createRateLimiter({
      algorithm: 'sliding-window',
      limit: 100,
      windowMs: 60_000,
      ...this.#options.rateLimit,
      connection: this.#connectionService.connection,
    });
    return this.#limiter;
  }

  /**
   * Consumes one unit (or `limits.cost`) of `key`, scoped to `identifier` when given (the state
   * key is `key:identifier`), if `limits.limit` per `limits.windowMs` allows. Check `degraded`
   * before answering 429: a degraded refusal under the `closed` policy is an outage (503).
   */
  checkRateLimit(
    key: string,
    limits: RateLimitCheck,
    identifier?: string,
  ): Promise<RateLimitResult> {
    return this.limiter.checkRateLimit(key, limits, identifier);
  }

  /** Consumes `options.cost` (default 1) of `key` with the limiter's defaults or `options`. */
  check(key: string, options?: CheckOptions): Promise<RateLimitResult> {
    return this.limiter.check(key, options);
  }

  /** @internal The limiter if created. */
  [created](): RateLimiter | undefined {
    return this.#limiter;
  }

  /** @internal Releases the limiter's in-memory fallback and listeners. */
  async [shutdown](): Promise<void> {
    this.#limiter?.dispose();
    this.#limiter = undefined;
  }
}
