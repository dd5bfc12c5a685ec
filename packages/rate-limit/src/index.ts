// The one store-failure classification lives in @redgrid/fallback; re-exported because this
// package exported it first.
export { isStoreFailure } from '@redgrid/fallback';
export {
  RATE_LIMIT_ALGORITHMS,
  type RateLimitAlgorithm,
} from './algorithm/rate-limit-algorithm.js';
export type { BlockCacheOptions } from './block-cache/block-cache.js';
export { RateLimitScriptError } from './errors/rate-limit-script-error.js';
export { createRateLimiter } from './limiter/create-rate-limiter.js';
export type {
  RateLimiter,
  RateLimiterEvents,
  RateLimiterStats,
  WindowOptions,
} from './limiter/rate-limiter.js';
export type {
  CheckOptions,
  LimitOverride,
  LimitRequest,
  RateLimitConnection,
  RateLimiterOptions,
} from './limiter/rate-limiter-options.js';
export type {
  FailurePolicy,
  MemoryFallbackOptions,
} from './policy/failure-policy.js';
export type {
  MultiRateLimitResult,
  RateLimitResult,
} from './result/rate-limit-result.js';
export {
  createThrottlerCounter,
  type ThrottlerCounter,
  type ThrottlerCounterOptions,
  type ThrottlerCounterStats,
  type ThrottlerHit,
  type ThrottlerHitOptions,
} from './throttler/throttler-counter.js';
export type { WindowCount } from './window/window-count.js';
