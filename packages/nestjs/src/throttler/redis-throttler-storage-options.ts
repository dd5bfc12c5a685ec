import type { RateLimitAlgorithm } from '@redgrid/rate-limit';

/**
 * How {@link RedisThrottlerStorage} counts: `'throttler'` (throttler's own contract, exact) or
 * a `@redgrid/rate-limit` algorithm.
 */
export type ThrottlerStorageAlgorithm = 'throttler' | RateLimitAlgorithm;

/** Options of {@link RedisThrottlerStorage}, given to its constructor or under {@link REDIS_THROTTLER_STORAGE_OPTIONS}. */
export interface RedisThrottlerStorageOptions {
  /**
   * Default `'throttler'`: exactly what throttler's in-memory `ThrottlerStorageService` answers
   * (each hit counts for `ttl` after it was made; the first request after a block passes and
   * starts the count again), two keys per throttler key in Redis and one sorted-set entry per
   * hit counted. A `@redgrid/rate-limit` algorithm (`'sliding-window'`, `'fixed-window'`,
   * `'sliding-log'`, `'token-bucket'`, `'gcra'`) counts with that algorithm instead, with `ttl`
   * as its window: less state per key (no entry per hit for the window algorithms other than
   * `'sliding-log'`), but not throttler's answers: `'sliding-window'` weighs the previous
   * window, so a hit can count for up to twice `ttl` and the reset can exceed `ttl`; a block
   * that ends does not reset the count (a key still over its window's limit is refused again
   * and blocked anew); and `Retry-After` is the longer of the block and the algorithm's wait.
   * The state keys then are the limiter's (`rl:<algorithm>:{throttler:<name>:<key>}`).
   */
  algorithm?: ThrottlerStorageAlgorithm;
}

/**
 * Injection token of {@link RedisThrottlerStorageOptions}. Optional: the module's
 * `RedisThrottlerStorage` uses the defaults; to choose another algorithm create one yourself,
 * `new RedisThrottlerStorage(connection, moduleOptions, { algorithm })`, in the
 * `ThrottlerModule.forRootAsync` factory (inject `RedisConnectionService` and
 * `REDIS_MODULE_OPTIONS`).
 */
export const REDIS_THROTTLER_STORAGE_OPTIONS: unique symbol = Symbol.for(
  'redgrid.nestjs.RedisThrottlerStorageOptions',
);
