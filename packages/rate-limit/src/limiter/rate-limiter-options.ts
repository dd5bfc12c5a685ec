import type { Cluster, Redis } from 'ioredis';
import type { RateLimitAlgorithm } from '../algorithm/rate-limit-algorithm.js';
import type { BlockCacheOptions } from '../block-cache/block-cache.js';
import type { FailurePolicy, MemoryFallbackOptions } from '../policy/failure-policy.js';

/**
 * What a limiter needs of a connection: its ioredis client. A `RedisConnection` from
 * `@redgrid/connection` fits (its client passes every command through the breaker and the
 * deadline, which is what makes the failure policy fast); so does `{ client: new Redis() }`.
 */
export interface RateLimitConnection {
  readonly client: Redis | Cluster;
}

/** Limit parameters that can vary per key or per call; omitted fields keep the limiter's. */
export interface LimitOverride {
  /** Units allowed per window (refill per window for token-bucket and gcra). Positive integer. */
  limit?: number;
  /** Window length in ms. Positive integer. */
  windowMs?: number;
  /** Capacity of token-bucket and gcra (default: the limit). Ignored by the window algorithms. */
  burst?: number;
  /** Block after the limit is exceeded, in ms (0: none). */
  blockDurationMs?: number;
}

/** Options of one check. */
export interface CheckOptions extends LimitOverride {
  /** Units this request consumes. Positive integer, at most the limit (burst). Default 1. */
  cost?: number;
}

/** One limit of a multi-limit check (`checkAll`). */
export interface LimitRequest extends CheckOptions {
  /**
   * The user key. Every key of one `checkAll` must carry the same hash tag, e.g.
   * `{user:42}:second` and `{user:42}:hour`, so that all limits live in one cluster slot and are
   * decided in one atomic script run — on every topology, so that code tested against a single
   * server runs unchanged on a cluster.
   */
  key: string;
  /** Algorithm of this limit; default the limiter's. */
  algorithm?: RateLimitAlgorithm;
}

/** Options of `createRateLimiter`. */
export interface RateLimiterOptions {
  /** Where the counters live. See {@link RateLimitConnection}. */
  connection: RateLimitConnection;
  /** How to count. See {@link RateLimitAlgorithm}. */
  algorithm: RateLimitAlgorithm;
  /** Units allowed per window (refill per window for token-bucket and gcra). Positive integer. */
  limit: number;
  /** Window length in ms (token-bucket and gcra: the time to refill `limit`). Positive integer. */
  windowMs: number;
  /**
   * Capacity of token-bucket and gcra: how many units may pass at once after a quiet period.
   * Default: `limit`. Ignored by the window algorithms.
   */
  burst?: number;
  /**
   * Once a key exceeds its limit, reject it for this long (ms), whatever the algorithm would
   * allow meanwhile. Default 0 (no block). Blocks are set only by a check that is itself
   * rejected; they are not extended by the checks they reject.
   */
  blockDurationMs?: number;
  /**
   * Start of every Redis key this limiter writes; no braces (put hash tags in keys). Default
   * `rl:`. Keys are `<prefix><algorithm tag>:{<key>}`: two algorithms never share state, two
   * limiters with the same algorithm, prefix and key do.
   */
  prefix?: string;
  /**
   * Per-key limits, e.g. from a plan lookup: returns what differs from the limiter's defaults
   * (or `undefined`). Called on every check (cache it yourself if it is costly); a call's own
   * options win over it.
   */
  limitFor?: (key: string) => LimitOverride | undefined | Promise<LimitOverride | undefined>;
  /** What to answer while Redis cannot. Default `memory`. See {@link FailurePolicy}. */
  failurePolicy?: FailurePolicy;
  /** Options of the `memory` policy. */
  memory?: MemoryFallbackOptions;
  /**
   * Remember keys Redis rejected and reject them locally until their `retryAfterMs`, without a
   * round trip. `true` for the defaults. Default off. See the README for its gotchas.
   */
  blockCache?: boolean | BlockCacheOptions;
  /**
   * Decide checks issued in the same tick in one script call (per hash tag on a cluster).
   * Default true. Every check stays atomic; only round trips are shared.
   */
  coalesce?: boolean;
  /** Most checks per script call when coalescing. Default 64. */
  maxBatchSize?: number;
}
