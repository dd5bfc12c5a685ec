import { validateRateLimiterOptions } from './limit-validation.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RateLimiterOptions } from './rate-limiter-options.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/**
 * Creates a rate limiter over Redis (single server, Sentinel or Cluster alike). Each check is
 * one atomic Lua script run on the node that owns the key, timed by that node's `TIME`, so any
 * number of processes share one exact limit. Checks issued in the same tick share a round
 * trip. Throws a `ConfigError` listing every invalid option.
 *
 * @example
 * const limiter = createRateLimiter({ connection, algorithm: 'sliding-window', limit: 100, windowMs: 60_000 });
 * const result = await limiter.check(`login:${ip}`);
 * if (!result.allowed && !result.degraded) reply.status(429).header('Retry-After', Math.ceil(result.retryAfterMs / 1000));
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  validateRateLimiterOptions(options);
  return new RedisRateLimiter(options);
}
