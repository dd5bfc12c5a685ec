/**
 * How a limiter counts. Every algorithm allows `limit` units per `windowMs`; they differ in
 * how the window moves and how bursts are treated:
 *
 * - `fixed-window`: a counter that starts with the first request and expires `windowMs` later.
 *   Exact within a window; up to twice the limit can pass around a window boundary.
 * - `sliding-window`: the counter approximation (current window plus the previous window
 *   weighted by how much of it still overlaps). Smooth, two numbers per key; assumes the
 *   previous window's requests were evenly spread, so it can be off by a few requests.
 * - `sliding-log`: the exact variant of `sliding-window`: one sorted-set entry per unit in the
 *   last `windowMs`. Never more than `limit` in any window; memory grows with the limit.
 * - `token-bucket`: a bucket of `burst` tokens (default `limit`) refilled at `limit / windowMs`.
 * - `gcra`: the generic cell rate algorithm: the same admission as a token bucket, stored as a
 *   single timestamp per key.
 */
export type RateLimitAlgorithm =
  | 'fixed-window'
  | 'sliding-window'
  | 'sliding-log'
  | 'token-bucket'
  | 'gcra';

/** Script code and key tag of each algorithm (the code is what the Lua script dispatches on). */
export const ALGORITHM_CODES: Readonly<Record<RateLimitAlgorithm, number>> = {
  'fixed-window': 1,
  'sliding-window': 2,
  'sliding-log': 3,
  'token-bucket': 4,
  gcra: 5,
};

/** Short tag in the storage key, so that two algorithms never read each other's state. */
export const ALGORITHM_TAGS: Readonly<Record<RateLimitAlgorithm, string>> = {
  'fixed-window': 'fw',
  'sliding-window': 'sw',
  'sliding-log': 'sl',
  'token-bucket': 'tb',
  gcra: 'gcra',
};

/** Every algorithm name, for validation and tests. */
export const RATE_LIMIT_ALGORITHMS: readonly RateLimitAlgorithm[] = Object.freeze(
  Object.keys(ALGORITHM_CODES) as RateLimitAlgorithm[],
);

/** True when `value` names an algorithm. */
export function isRateLimitAlgorithm(value: unknown): value is RateLimitAlgorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHM_CODES, value);
}
