import { ConfigError, type HealthCheck, type HealthContext } from '@redgrid/core';
import type { ResilientStore } from '@redgrid/fallback';
import type { CacheCore } from './cache-core.js';
import type { CacheEvents } from './cache-events.js';
import type { CacheMetrics } from './cache-metrics.js';
import type {
  CacheDurationOptions,
  CacheEntry,
  CacheSetOptions,
  GetOrSetOptions,
} from './cache-options.js';
import type { CacheResult } from './cache-result.js';
import { durationMs } from './duration.js';

/**
 * A two-level cache: a bounded in-process L1 over Redis (L2), with an in-memory fallback while
 * Redis is down. Create it with `createCache`; `namespace(name)` returns a view whose keys live
 * under `<prefix><name>:` and share everything else (L1, connection, counters).
 *
 * Reads are single-flight per key: concurrent `get`s of a key missing from L1 share one Redis
 * read, concurrent `getOrSet`s share one read and one loader run. Writes invalidate the other
 * instances' L1 over pub/sub. Gotchas: L1 returns the very object it holds — do not mutate a
 * value read from (or written to) the cache; `T` in `get<T>` is not checked at run time.
 */
export interface Cache {
  /** The prefix of this cache's keys in Redis, namespaces included (e.g. `cache:users:`). */
  readonly prefix: string;

  /** The `ResilientStore` serving L2 (Redis with the in-memory fallback). */
  readonly store: ResilientStore;

  /**
   * The value of `key` if fresh, else `undefined`. While Redis is down a value within its grace
   * period is returned too (see `getWithMetadata` to tell).
   */
  get<T = unknown>(key: string): Promise<T | undefined>;

  /** Like `get`, with where the value came from and whether it is stale or degraded. */
  getWithMetadata<T = unknown>(key: string): Promise<CacheResult<T>>;

  /**
   * Stores `value` for `{ ttlMs }` (default: the cache's), in L1 and Redis, and invalidates it
   * in the other instances' L1. While Redis is down it goes to the in-memory fallback (and the
   * key is invalidated in Redis when it returns). Throws `SerializationError` for a value the
   * serializer refuses. A bare number is a TTL in seconds (`set(key, value, 60)`), as in the
   * original contract; the options object takes milliseconds.
   */
  set<T>(key: string, value: T, ttlSeconds?: number | CacheSetOptions): Promise<void>;

  /** Deletes one or many keys everywhere (L1, Redis, other instances' L1); returns how many existed in L2. */
  del(keys: string | readonly string[]): Promise<number>;

  /**
   * The cached value of `key`, or the loader's result, cached. One loader run per key at a time
   * in this process, however many callers ask (a stampede of 1 000 callers runs it once), and
   * across processes too with the `distributedSingleFlight` option. Past
   * the TTL but within `graceMs`, the stale value is returned at once and one background
   * run refreshes it; if that run fails, the stale value is kept until its grace ends. A loader
   * returning `undefined` is not cached. Loader errors reach the caller only when no usable
   * value exists.
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: GetOrSetOptions): Promise<T>;

  /** Like `getOrSet`, with where the value came from and whether it is stale or degraded. */
  getOrSetWithMetadata<T>(
    key: string,
    loader: () => T | Promise<T>,
    options?: GetOrSetOptions,
  ): Promise<CacheResult<T>>;

  /**
   * Fresh values of many keys, in order (`undefined` for misses): L1 first, then one `MGET` per
   * cluster slot for the rest (joining reads already in flight).
   */
  mget<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>>;

  /** Stores many entries (each with its own TTL): one atomic script per cluster slot. */
  mset(entries: ReadonlyArray<CacheEntry>): Promise<void>;

  /**
   * Deletes every key of this cache (or namespace) starting with `prefix` (default: all of
   * them) from L1, from Redis — `SCAN` on every cluster master — and from the other instances'
   * L1. Returns how many keys Redis deleted. Not atomic: keys written meanwhile may survive.
   */
  clear(prefix?: string): Promise<number>;

  /**
   * A view of this cache whose keys live under `<prefix><name>:`; it shares L1, the
   * connection, the fallback and the counters. `clear()` on it clears only its keys. Names
   * must not contain `{` or `}` (hash tags belong in keys).
   */
  namespace(name: string): Cache;

  /** Subscribes to `degraded`, `recovered` or `error`; returns the unsubscribe function. */
  on<E extends keyof CacheEvents>(event: E, listener: CacheEvents[E]): () => void;

  /** Hit/miss/stale/fallback counters and L1 size (all namespaces together). */
  metrics(): CacheMetrics;

  /** This cache's health check under `name` (a `HealthIndicator`): degraded while its fallback serves. */
  healthCheck(name: string, context: HealthContext): HealthCheck;

  /**
   * Resolves once the invalidation subscription is active (at once without one). Until then L1
   * is bypassed (or capped), so awaiting it is optional; it waits as long as Redis is down.
   */
  ready(): Promise<void>;

  /**
   * Stops the subscriber and the timers, and releases L1 and the fallback (if the cache created
   * it). Closing any namespace closes the whole cache. Does not close the connection.
   * Idempotent.
   */
  close(): Promise<void>;

  /** `close()`, for `await using cache = createCache(...)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The implementation of {@link Cache}: one view (prefix) over a shared {@link CacheCore}. */
export class CacheView implements Cache {
  readonly #core: CacheCore;
  readonly #prefix: string;

  constructor(core: CacheCore, prefix: string) {
    this.#core = core;
    this.#prefix = prefix;
  }

  get prefix(): string {
    return this.#prefix;
  }

  get store(): ResilientStore {
    return this.#core.store;
  }

  get<T = unknown>(key: string): Promise<T | undefined> {
    // Not an async function: one promise less per call on the two hottest paths.
    const fullKey = this.#prefix + key;
    const entry = this.#core.l1Fresh(fullKey);
    if (entry !== undefined) {
      this.#core.reads.l1();
      return Promise.resolve(entry.value as T);
    }
    return this.#core.readValue(fullKey) as Promise<T | undefined>;
  }

  async getWithMetadata<T = unknown>(key: string): Promise<CacheResult<T>> {
    return (await this.#core.read(this.#prefix + key)) as CacheResult<T>;
  }

  async set<T>(key: string, value: T, ttlSeconds?: number | CacheSetOptions): Promise<void> {
    const options: CacheSetOptions =
      typeof ttlSeconds === 'number' ? { ttlSeconds } : (ttlSeconds ?? {});
    await this.#core.write([
      {
        key: this.#prefix + key,
        value,
        ttlMs: this.#ttlMs(options, ''),
        graceMs: this.#graceMs(options, ''),
      },
    ]);
  }

  async del(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : keys;
    if (list.length === 0) return 0;
    return this.#core.delete(list.map((key) => this.#prefix + key));
  }

  async getOrSet<T>(
    key: string,
    loader: () => T | Promise<T>,
    options?: GetOrSetOptions,
  ): Promise<T> {
    const fullKey = this.#prefix + key;
    const entry = this.#core.l1Fresh(fullKey);
    if (entry !== undefined) {
      this.#core.reads.l1();
      return entry.value as T;
    }
    const result = await this.#core.getOrLoad(
      fullKey,
      loader,
      this.#ttlMs(options, 'options.'),
      this.#graceMs(options, 'options.'),
    );
    return result.value as T;
  }

  async getOrSetWithMetadata<T>(
    key: string,
    loader: () => T | Promise<T>,
    options?: GetOrSetOptions,
  ): Promise<CacheResult<T>> {
    const fullKey = this.#prefix + key;
    const entry = this.#core.l1Fresh(fullKey);
    if (entry !== undefined) {
      this.#core.reads.l1();
      return {
        value: entry.value as T,
        found: true,
        source: 'l1',
        stale: false,
        degraded: false,
      };
    }
    return this.#core.getOrLoad(
      fullKey,
      loader,
      this.#ttlMs(options, 'options.'),
      this.#graceMs(options, 'options.'),
    );
  }

  async mget<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const values: Array<T | undefined> = new Array(keys.length).fill(undefined);
    const missing: number[] = [];
    for (let index = 0; index < keys.length; index++) {
      const entry = this.#core.l1Fresh(this.#prefix + (keys[index] ?? ''));
      if (entry === undefined) {
        missing.push(index);
      } else {
        this.#core.reads.l1();
        values[index] = entry.value as T;
      }
    }
    if (missing.length === 0) return values;
    const read = await this.#core.readManyL2(
      missing.map((index) => this.#prefix + (keys[index] ?? '')),
    );
    const now = Date.now();
    const degraded = this.#core.store.degraded;
    missing.forEach((index, position) => {
      const value = read[position];
      const reads = this.#core.reads;
      if (value && (value.freshUntilMs === 0 || now < value.freshUntilMs)) {
        reads.l2(value.source);
        values[index] = value.value as T;
      } else if (value && degraded && now < value.staleUntilMs) {
        reads.stale();
        values[index] = value.value as T;
      } else {
        reads.miss();
      }
    });
    return values;
  }

  async mset(entries: ReadonlyArray<CacheEntry>): Promise<void> {
    if (entries.length === 0) return;
    await this.#core.write(
      entries.map((entry, index) => ({
        key: this.#prefix + entry.key,
        value: entry.value,
        ttlMs: this.#ttlMs(entry, `entries[${index}].`),
        graceMs: this.#graceMs(entry, `entries[${index}].`),
      })),
    );
  }

  clear(prefix = ''): Promise<number> {
    return this.#core.clear(this.#prefix + prefix);
  }

  namespace(name: string): Cache {
    if (name.length === 0 || /[{}]/.test(name)) {
      throw new ConfigError([
        {
          variable: 'name',
          message: 'a namespace name must be non-empty and contain no { or }',
        },
      ]);
    }
    return new CacheView(this.#core, `${this.#prefix}${name}:`);
  }

  on<E extends keyof CacheEvents>(event: E, listener: CacheEvents[E]): () => void {
    return this.#core.on(event, listener);
  }

  metrics(): CacheMetrics {
    return this.#core.metrics();
  }

  healthCheck(name: string, context: HealthContext): HealthCheck {
    return this.#core.store.healthCheck(name, context);
  }

  ready(): Promise<void> {
    return this.#core.ready();
  }

  close(): Promise<void> {
    return this.#core.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#core.close();
  }

  #ttlMs(options: CacheDurationOptions | undefined, path: string): number {
    if (options === undefined) return this.#core.ttlMs;
    return durationMs(
      options.ttlMs,
      options.ttlSeconds,
      this.#core.ttlMs,
      `${path}ttlMs`,
      `${path}ttlSeconds`,
    );
  }

  #graceMs(options: CacheDurationOptions | undefined, path: string): number {
    if (options === undefined) return this.#core.graceMs;
    return durationMs(
      options.graceMs,
      options.graceSeconds,
      this.#core.graceMs,
      `${path}graceMs`,
      `${path}graceSeconds`,
    );
  }
}
