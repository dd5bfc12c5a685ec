import type { HealthCheck, HealthContext } from '@redgrid/core';
import type { DegradationSnapshot } from '@redgrid/fallback';
import type { RateLimitAlgorithm } from '../algorithm/rate-limit-algorithm.js';
import type { FailurePolicy } from '../policy/failure-policy.js';
import type { MultiRateLimitResult, RateLimitResult } from '../result/rate-limit-result.js';
import type { WindowCount } from '../window/window-count.js';
import type { CheckOptions, LimitRequest } from './rate-limiter-options.js';

/** Counters of a limiter, for metrics and health checks. */
export interface RateLimiterStats {
  /** True from a store failure until Redis answers again. */
  readonly degraded: boolean;
  /** Checks decided by Redis. */
  readonly redis: number;
  /** Checks decided in memory (`memory` policy). */
  readonly memory: number;
  /** Checks allowed without counting (`open` policy). */
  readonly open: number;
  /** Checks refused without counting (`closed` policy). */
  readonly closed: number;
  /** Checks rejected by the local block cache, without a round trip. */
  readonly blockCacheHits: number;
  /** Times the limiter became degraded. */
  readonly outages: number;
}

/** Options of {@link RateLimiter.getWindow} and {@link RateLimiter.decrement}. */
export interface WindowOptions {
  /** Length of the window a decrement opens, in ms (integer). Default the limiter's `windowMs`. */
  windowMs?: number;
}

/** Listener signatures of {@link RateLimiter.on}. */
export interface RateLimiterEvents {
  /** A check found the store unusable; the failure policy answers until Redis does again. */
  degraded: (info: { error: unknown; policy: FailurePolicy }) => void;
  /** Redis answered again after an outage (the in-memory states were dropped). */
  recovered: (info: { outageMs: number }) => void;
}

/**
 * A rate limiter over Redis, created by `createRateLimiter`. Every check is one atomic script
 * run on the node that owns the key, with that node's clock. Keys are user keys (an IP, a user
 * id, `route:user`); the limiter adds its prefix and a hash tag.
 */
export interface RateLimiter {
  readonly algorithm: RateLimitAlgorithm;
  /** The default limit (per-key overrides may differ). */
  readonly limit: number;
  readonly windowMs: number;
  readonly failurePolicy: FailurePolicy;

  /** Consumes `cost` (default 1) from `key` if its limit allows, and says so. */
  check(key: string, options?: CheckOptions): Promise<RateLimitResult>;

  /**
   * The original design's shape: checks `limit` per `windowMs` for `key`, scoped to
   * `identifier` when given (the state key is `key:identifier`). Same as
   * `check(identifier ? `${key}:${identifier}` : key, limits)`.
   */
  checkRateLimit(
    key: string,
    limits: CheckOptions & { limit: number; windowMs: number },
    identifier?: string,
  ): Promise<RateLimitResult>;

  /**
   * Checks several limits all-or-nothing in one round trip: every limit consumes its cost only
   * when all of them allow; when one rejects, nothing is consumed. All keys must share one hash
   * tag (`{user:42}:second`, `{user:42}:hour`); a `CrossSlotError` is thrown otherwise.
   */
  checkAll(limits: readonly LimitRequest[]): Promise<MultiRateLimitResult>;

  /** What `check` would answer now, consuming nothing and starting no block. */
  peek(key: string, options?: CheckOptions): Promise<RateLimitResult>;

  /**
   * Gives `amount` units (default 1) back to `key`, e.g. when the request turned out not to
   * count. Never gives back more than was consumed in the current window or bucket; does not
   * lift a block. Returns the state after the refund.
   */
  refund(key: string, amount?: number, options?: CheckOptions): Promise<RateLimitResult>;

  /** Forgets everything about `key` (its count and its block). Throws if Redis fails. */
  reset(key: string, options?: { algorithm?: RateLimitAlgorithm }): Promise<void>;

  /**
   * The count of `key`'s current fixed window and the ms until it ends, without counting;
   * undefined when no window is open. `fixed-window` limiters only (a `ConfigError` otherwise).
   * With `check(key, { limit })` and {@link decrement} it makes the limiter a hit counter: what
   * the express-rate-limit store of `@redgrid/express` is built on.
   */
  getWindow(key: string, options?: WindowOptions): Promise<WindowCount | undefined>;

  /**
   * Takes `amount` units (default 1) back from `key`'s current fixed window, never below zero.
   * Unlike {@link refund}, on a key without a window it opens one of `windowMs` with a count of
   * 0 (what express-rate-limit's MemoryStore does), so that a later check counts in it.
   * `fixed-window` limiters only.
   */
  decrement(key: string, options?: WindowOptions & { amount?: number }): Promise<WindowCount>;

  /**
   * Forgets every key under the limiter's prefix (SCAN on every cluster master, then UNLINK; not
   * atomic) and the in-memory states; returns how many Redis keys it deleted. Gotcha: limiters
   * sharing a prefix are reset together. Throws a `ConfigError` when the prefix is empty.
   */
  resetAll(): Promise<number>;

  /** Subscribes to a limiter event; returns the unsubscribe function. */
  on<E extends keyof RateLimiterEvents>(event: E, listener: RateLimiterEvents[E]): () => void;

  /** Counters, for metrics and health checks. */
  stats(): RateLimiterStats;

  /**
   * When the current outage started, how many there were and the last recovery (the
   * `DegradationTracker` snapshot of `@redgrid/fallback`, the shape `ResilientStore` reports too).
   */
  degradation(): DegradationSnapshot;
  /**
   * This limiter's health check under `name` (a `HealthIndicator` of @redgrid/core): `degraded`
   * while the failure policy answers, with the redis / memory / open / closed counts.
   */
  healthCheck(name: string, context: HealthContext): HealthCheck;

  /**
   * Releases the in-memory fallback store (if the limiter created it), the block cache and the
   * listeners. Does not close the connection, which belongs to the caller.
   */
  dispose(): void;
}
