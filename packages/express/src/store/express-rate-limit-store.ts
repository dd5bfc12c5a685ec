import { ConfigError } from '@redgrid/core';
import {
  defineScript,
  type MemoryStore,
  type MemoryStoreOptions,
  ResilientStore,
  type ResilientStoreConnection,
  type ResilientStoreStats,
  type ScriptArgument,
  type ScriptReply,
} from '@redgrid/fallback';

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
   * `ResilientStore` over it, with an in-memory fallback for outages. Give this or `store`.
   */
  connection?: ResilientStoreConnection;
  /** A `ResilientStore` of `@redgrid/fallback` you own (and dispose), instead of `connection`. */
  store?: ResilientStore;
  /**
   * Start of every Redis key the store writes. Default `'erl:'`. Give every express-rate-limit
   * instance that uses its own window its own prefix, as with any shared store.
   */
  prefix?: string;
  /** Bounds of the in-memory fallback the store creates (ignored with `store`). */
  memory?: MemoryStoreOptions | MemoryStore;
}

// One round trip per hit: the count and the window's remaining time, the TTL set by the hit
// that opened the window (fixed window, as express-rate-limit's own MemoryStore counts).
const incrementScript = defineScript<[number, number]>({
  name: 'express-rate-limit-increment',
  numberOfKeys: 1,
  lua: `local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { hits, ttl }`,
  parseReply: (reply) => toPair(reply),
  memory: (store, keys, args) => {
    const key = keys[0] ?? '';
    const windowMs = Number(args[0]);
    const hits = store.increment(key, { ttlMs: windowMs });
    let ttl = store.ttlMs(key);
    if (ttl < 0) {
      store.expire(key, windowMs);
      ttl = windowMs;
    }
    return [hits, ttl];
  },
});

const getScript = defineScript<[number, number] | undefined>({
  name: 'express-rate-limit-get',
  numberOfKeys: 1,
  lua: `local hits = redis.call('GET', KEYS[1])
if not hits then return nil end
return { tonumber(hits), redis.call('PTTL', KEYS[1]) }`,
  parseReply: (reply) => (reply === null ? undefined : toPair(reply)),
  memory: (store, keys) => {
    const key = keys[0] ?? '';
    const value = store.get(key);
    if (value === undefined) return undefined;
    return [Number(value), store.ttlMs(key)];
  },
});

// Never below zero. On a key with no count it opens a window with a count of 0, as
// express-rate-limit's MemoryStore does (its decrement creates the client): a later hit then
// counts in that window, and `get` sees it.
const decrementScript = defineScript<number>({
  name: 'express-rate-limit-decrement',
  numberOfKeys: 1,
  lua: `local hits = tonumber(redis.call('GET', KEYS[1]))
if not hits then
  redis.call('SET', KEYS[1], 0, 'PX', ARGV[1])
  return 0
end
if hits > 0 then return redis.call('DECR', KEYS[1]) end
return 0`,
  parseReply: (reply) => Number(reply),
  memory: (store, keys, args) => {
    const key = keys[0] ?? '';
    const value = store.get(key);
    if (value === undefined) {
      store.set(key, 0, { ttlMs: Number(args[0]) });
      return 0;
    }
    return Number(value) > 0 ? store.increment(key, { by: -1 }) : 0;
  },
});

function toPair(reply: ScriptReply): [number, number] {
  if (!Array.isArray(reply)) return [Number(reply), -1];
  return [Number(reply[0]), Number(reply[1])];
}

function resetTime(ttlMs: number, nowMs: number): Date | undefined {
  return ttlMs > 0 ? new Date(nowMs + ttlMs) : undefined;
}

/**
 * A store for `express-rate-limit` (its v7/v8 `Store` interface; tested with v8): switch an existing limiter to Redis — one
 * shared count across every instance — by changing only its `store` option. It answers what
 * express-rate-limit's own `MemoryStore` answers (a fixed window from the first hit; `get`,
 * `increment`, `decrement`, `resetKey`, `resetAll` alike; `resetTime` from this process's clock
 * plus the window's remaining time in Redis). Each hit is one atomic script (INCR and the
 * window's TTL together). While Redis is down the counts continue
 * in memory (per process, starting from zero) instead of failing every request, and resume in
 * Redis when it answers again; `degraded` and `stats()` say which one is counting.
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
  /** The Redis-with-fallback store counting the hits. */
  readonly store: ResilientStore;
  readonly #ownsStore: boolean;
  #windowMs = 60_000;

  constructor(options: ExpressRateLimitStoreOptions) {
    const prefix = options.prefix ?? 'erl:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      throw new ConfigError([
        {
          variable: 'options.prefix',
          message: 'must be a string without braces',
        },
      ]);
    }
    this.prefix = prefix;
    if (options.store !== undefined) {
      this.store = options.store;
      this.#ownsStore = false;
    } else if (options.connection !== undefined) {
      this.store = new ResilientStore({
        connection: options.connection,
        recovery: 'discard',
        ...(options.memory === undefined ? {} : { memory: options.memory }),
      });
      this.#ownsStore = true;
    } else {
      throw new ConfigError([
        {
          variable: 'options.connection',
          message: 'give a RedisConnection (`connection`) or a ResilientStore (`store`)',
        },
      ]);
    }
  }

  /** Called by express-rate-limit with its options; the store takes the window length. */
  init(options: { windowMs: number }): void {
    if (Number.isFinite(options.windowMs) && options.windowMs > 0) {
      this.#windowMs = Math.ceil(options.windowMs);
    }
  }

  /** True while Redis is unusable and the counts live in this process's memory. */
  get degraded(): boolean {
    return this.store.degraded;
  }

  /** The count and window end of `key`, without counting a hit; undefined if none. */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const now = Date.now();
    const { value } = await this.store.runScript(getScript, [this.prefix + key]);
    if (value === undefined) return undefined;
    return { totalHits: value[0], resetTime: resetTime(value[1], now) };
  }

  /** Counts one hit of `key` and returns its count in the current window. */
  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = Date.now();
    const args: ScriptArgument[] = [this.#windowMs];
    const { value } = await this.store.runScript(incrementScript, [this.prefix + key], args);
    return { totalHits: value[0], resetTime: resetTime(value[1], now) };
  }

  /**
   * Takes one hit back (`skipSuccessfulRequests` / `skipFailedRequests`); never below zero. On a
   * key without a count it opens a window with 0 hits, like express-rate-limit's MemoryStore.
   */
  async decrement(key: string): Promise<void> {
    await this.store.runScript(decrementScript, [this.prefix + key], [this.#windowMs]);
  }

  /** Forgets `key`'s count. */
  async resetKey(key: string): Promise<void> {
    await this.store.delete(this.prefix + key);
  }

  /**
   * Forgets every count under this store's prefix (SCAN over every cluster master): give each
   * limiter its own prefix, or this resets the others too.
   */
  async resetAll(): Promise<void> {
    await this.store.deleteByPrefix(this.prefix);
  }

  /** Counters of the underlying store: operations served by Redis and by memory, outages. */
  stats(): ResilientStoreStats {
    return this.store.stats();
  }

  /** Releases the in-memory fallback if the store created it. Does not close the connection. */
  shutdown(): void {
    if (this.#ownsStore) this.store.dispose();
  }
}
