import type { MemoryStore } from '@redgrid/fallback';

/**
 * What a limiter answers when Redis cannot (breaker open, deadline passed, connection down,
 * cluster down):
 *
 * - `memory` (default): the same algorithm in this process's memory (bounded, no timer per
 *   key), optionally with the limit divided by the expected number of instances. Keeps limiting
 *   approximately: each instance counts alone, and counts start from zero.
 * - `open`: allow everything, count nothing. For limits that protect nothing critical.
 * - `closed`: refuse everything. For limits that guard something that must never be overrun
 *   (a payment attempt, an SMS send). Answer 503, not 429: the client did nothing wrong.
 *
 * Whatever the policy, the result carries `degraded: true`.
 */
export type FailurePolicy = 'memory' | 'open' | 'closed';

/** Options of the `memory` failure policy. */
export interface MemoryFallbackOptions {
  /**
   * How many instances share the limit while Redis is down: each one then allows
   * `floor(limit / expectedInstances)` (at least 1), so that the fleet together stays near the
   * limit. Default 1.
   */
  expectedInstances?: number;
  /** Most keys held in memory (LRU beyond). Default 100_000. Ignored when `store` is given. */
  maxEntries?: number;
  /** Most estimated bytes held in memory. Default 16 MiB. Ignored when `store` is given. */
  maxBytes?: number;
  /**
   * A `MemoryStore` of `@redgrid/fallback` to keep the states in, instead of one the limiter
   * creates (and disposes). It is cleared when Redis answers again, so give it to one limiter.
   */
  store?: MemoryStore;
}
