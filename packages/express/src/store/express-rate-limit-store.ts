import { ConfigError, type HealthCheck, type HealthContext } from '@redgrid/core';
import { MemoryStore, type MemoryStoreOptions } from '@redgrid/fallback';
import {
  createRateLimiter,
  type RateLimitConnection,
  type RateLimiter,
  type RateLimiterStats,
} from '@redgrid/rate-limit';

/** A client's count and the end of its window, as express-rate-limit expects it from a store. */
export interface ClientRateLimitInfo {
  /** Requests counted in the current window, this one included. */
  totalHits: number;
  /** When the window ends and the count starts again. */
  resetTime: Date | undefined;
}

/** Options of {@link ExpressRateLimitStore}. */
export interface ExpressRateLimitStoreOptions {
  /**
   * The Redis connection (a `RedisConnection` from `@redgrid/connection`). The store creates a
   * fixed-window `RateLimiter` of `@redgrid/rate-limit` over it, which counts in memory while
   * Redis is down. Give this or `limiter`.
   */
  connection?: RateLimitConnection;
  /**
   * A fixed-window `RateLimiter` you own (and dispose), instead of `connection`; its failure
   * policy applies. Give it the same `prefix` as this store.
   */
  limiter?: RateLimiter;
  /**
   * Start of every Redis key the store writes. Default `'erl:'`. Give every express-rate-limit
   * instance that uses its own window its own prefix, as with any shared store.
   */
  prefix?: string;
  /** Bounds of the in-memory fallback, or a `MemoryStore` you own (ignored with `limiter`). */
  memory?: MemoryStoreOptions | MemoryStore;
}

// express-rate-limit decides the limit itself: the store only counts, so every hit must count,
// past any limit. The largest limit the limiter takes never refuses one in practice.
const COUNT_LIMIT = 1_000_000_000;

function resetTime(resetMs: number, nowMs: number): Date | undefined {
  return resetMs > 0 ? new Date(nowMs + resetMs) : undefined;
}

/**
 * A store for `express-rate-limit` (its v7/v8 `Store` interface; tested with v8): switch an
 * existing limiter to Redis — one shared count across every instance — by changing only its
 * `store` option. It answers what express-rate-limit's own `MemoryStore` answers (a fixed window
 * from the first hit; `get`, `increment`, `decrement`, `resetKey`, `resetAll` alike; `resetTime`
 * from this process's clock plus the window's remaining time in Redis). It is a thin adapter:
 * the counting is a fixed-window `RateLimiter` of `@redgrid/rate-limit` (one atomic script per
 * hit), whose failure policy keeps counting in memory while Redis is down (per process,
 * starting from zero) and returns to Redis when it answers again; `degraded` and `stats()` say
 * which one is counting.
 *
 * @example
 * import { rateLimit } from 'express-rate-limit';
 * app.use(rateLimit({ windowMs: 60_000, limit: 100, store: new ExpressRateLimitStore({ connection }) }));
 */
export class ExpressRateLimitStore {
  /** Start of every key in Redis (read by express-rate-limit's double-count check). */
  readonly prefix: string;
  /** Counts are shared between processes (express-rate-limit's double-count check reads it). */
  readonly localKeys = false;
  /** The fixed-window limiter counting the hits. */
  readonly limiter: RateLimiter;
  readonly #ownsLimiter: boolean;
  readonly #ownedMemory: MemoryStore | undefined;
  #windowMs = 60_000;

  constructor(options: ExpressRateLimitStoreOptions) {
    const prefix = options.prefix ?? 'erl:';
    if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
      throw new ConfigError([
        {
          variable: 'options.prefix',
          message: 'must be a non-empty string without braces',
        },
      ]);
    }
    this.prefix = prefix;
    if (options.limiter !== undefined) {
      if (options.limiter.algorithm !== 'fixed-window') {
        throw new ConfigError([
          {
            variable: 'options.limiter',
            message: `must be a 'fixed-window' limiter (express-rate-limit counts fixed windows), got '${options.limiter.algorithm}'`,
          },
        ]);
      }
      this.limiter = options.limiter;
      this.#ownsLimiter = false;
      return;
    }
    if (options.connection === undefined) {
      throw new ConfigError([
        {
          variable: 'options.connection',
          message:
            'give a RedisConnection (`connection`) or a fixed-window RateLimiter (`limiter`)',
        },
      ]);
    }
    const memory = options.memory;
    if (memory !== undefined && !(memory instanceof MemoryStore)) {
      this.#ownedMemory = new MemoryStore(memory);
    }
    const store = memory instanceof MemoryStore ? memory : this.#ownedMemory;
    this.limiter = createRateLimiter({
      connection: options.connection,
      algorithm: 'fixed-window',
      limit: COUNT_LIMIT,
      windowMs: this.#windowMs,
      prefix,
      failurePolicy: 'memory',
      ...(store === undefined ? {} : { memory: { store } }),
    });
    this.#ownsLimiter = true;
  }

  /** Called by express-rate-limit with its options; the store takes the window length. */
  init(options: { windowMs: number }): void {
    if (Number.isFinite(options.windowMs) && options.windowMs > 0) {
      this.#windowMs = Math.ceil(options.windowMs);
    }
  }

  /** True while Redis is unusable and the counts live in this process's memory. */
  get degraded(): boolean {
    return this.limiter.stats().degraded;
  }

  /** The count and window end of `key`, without counting a hit; undefined if none. */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const now = Date.now();
    const window = await this.limiter.getWindow(key, { windowMs: this.#windowMs });
    if (window === undefined) return undefined;
    return { totalHits: window.used, resetTime: resetTime(window.resetMs, now) };
  }

  /** Counts one hit of `key` and returns its count in the current window. */
  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = Date.now();
    const result = await this.limiter.check(key, {
      limit: COUNT_LIMIT,
      windowMs: this.#windowMs,
    });
    return {
      totalHits: result.limit - result.remaining,
      resetTime: resetTime(result.resetMs, now),
    };
  }

  /**
   * Takes one hit back (`skipSuccessfulRequests` / `skipFailedRequests`); never below zero. On a
   * key without a count it opens a window with 0 hits, like express-rate-limit's MemoryStore.
   */
  async decrement(key: string): Promise<void> {
    await this.limiter.decrement(key, { windowMs: this.#windowMs });
  }

  /** Forgets `key`'s count. */
  async resetKey(key: string): Promise<void> {
    await this.limiter.reset(key);
  }

  /**
   * Forgets every count under this store's prefix (SCAN over every cluster master): give each
   * limiter its own prefix, or this resets the others too.
   */
  async resetAll(): Promise<void> {
    await this.limiter.resetAll();
  }

  /** Counters of the limiter: checks decided by Redis and in memory, outages. */
  stats(): RateLimiterStats {
    return this.limiter.stats();
  }

  /** The limiter's health check under `name` (a `HealthIndicator` for `healthRouter`). */
  healthCheck(name: string, context: HealthContext): HealthCheck {
    return this.limiter.healthCheck(name, context);
  }

  /** Releases the in-memory fallback if the store created it. Does not close the connection. */
  shutdown(): void {
    if (this.#ownsLimiter) this.limiter.dispose();
    this.#ownedMemory?.dispose();
  }
}
