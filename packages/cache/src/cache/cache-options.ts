import type { RedisConnection } from '@redgrid/connection';
import type {
  MemoryStoreOptions,
  ResilientStore,
  ResilientStoreConnection,
} from '@redgrid/fallback';
import type { CompressionOptions } from '../codec/compression.js';
import type { EncryptionOptions } from '../codec/encryption.js';
import type { CacheSerializer } from '../codec/serializer.js';

/**
 * What the cache needs of a `RedisConnection` (from `@redgrid/connection`; pass the connection
 * itself): the guarded `client` for data commands, `dedicated()` for the pub/sub subscriber,
 * and its `breaker` and `on` for degraded / recovered transitions.
 */
export type CacheConnection = ResilientStoreConnection & Pick<RedisConnection, 'dedicated'>;

/** The in-process first level. */
export interface L1Options {
  /** Most bytes held (values are charged by their stored size). Default 32 MiB. */
  maxBytes?: number;
  /** Most entries held. Default 50 000. */
  maxEntries?: number;
  /** Upper bound of an entry's life in L1, in ms, whatever its TTL. Default: none. */
  maxTtlMs?: number;
  /** @deprecated Use `maxTtlMs` (milliseconds, like every duration option). Seconds. */
  maxTtlSeconds?: number;
}

/** Cross-instance L1 invalidation over Redis pub/sub. */
export interface InvalidationOptions {
  /** Pub/sub channel shared by the instances of one cache. Default `rg:cache:<prefix>`. */
  channel?: string;
  /**
   * What happens to L1 while the subscription is lost (and before it first starts), since
   * messages sent meanwhile are missed:
   * - `'flush'` (default): L1 is emptied when the loss is noticed and not used until the
   *   subscription is back; reads go to Redis.
   * - `{ capTtlMs }`: L1 entries' remaining life is capped to `capTtlMs` (and new ones live at
   *   most that long), bounding staleness while keeping most of L1's benefit.
   */
  onSubscriptionLost?: 'flush' | { capTtlMs: number };
  /**
   * Heartbeat period in ms: each instance publishes a ping and expects its own echo, which
   * detects a subscription that silently stopped delivering (a cluster subscriber moving to
   * another node). Default 1 000.
   */
  heartbeatIntervalMs?: number;
  /** A ping not echoed within this many ms means the subscription is lost. Default 3 000. */
  heartbeatTimeoutMs?: number;
}

/**
 * Single-flight of `getOrSet` loads across processes (opt-in): a miss takes a short Redis lock
 * on the key, the process that wins runs the loader, the others wait for its value.
 */
export interface DistributedSingleFlightOptions {
  /**
   * Life of the lock in ms. A loader running longer loses it (another process may then load
   * too); a winner that dies holds the others back this long at most. Default 5 000.
   */
  lockTtlMs?: number;
  /**
   * How long a process that lost the race waits for the winner's value, in ms, before running
   * the loader itself. Default twice `lockTtlMs`.
   */
  waitMs?: number;
  /**
   * Longest pause between two looks at the value while waiting, in ms (exponential backoff with
   * full jitter from 10 ms). Default 200.
   */
  maxPollIntervalMs?: number;
}

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** The Redis connection (L2); a `RedisConnection` from `@redgrid/connection`. */
  connection: CacheConnection;
  /** Prepended to every key in Redis (and to namespaces' prefixes). Default `cache:`. */
  prefix?: string;
  /** TTL of values written without one, in ms. Default 300 000 (5 minutes). 0: no expiry. */
  ttlMs?: number;
  /** @deprecated Use `ttlMs` (milliseconds, like every duration option). Seconds. */
  ttlSeconds?: number;
  /**
   * Grace period after a value's TTL, in ms, during which `getOrSet` serves the stale value
   * while one loader refreshes it, and serves it if the loader or Redis fails. Redis keeps values
   * `ttlMs + graceMs`. Default 0.
   */
  graceMs?: number;
  /** @deprecated Use `graceMs` (milliseconds, like every duration option). Seconds. */
  graceSeconds?: number;
  /**
   * Random shortening of each TTL, as a fraction (0.1: up to 10 % shorter), so that values
   * written together do not all expire at once. Default 0.1; 0 disables.
   */
  jitter?: number;
  /** The in-process L1, or `false` to use Redis only. */
  l1?: L1Options | false;
  /** Writes values; default `jsonSerializer` (refuses Date, BigInt, Map, Set). */
  serializer?: CacheSerializer;
  /** Other serializers whose values this instance must be able to read (by header id). */
  serializers?: readonly CacheSerializer[];
  /** Compression above a size threshold; `false` (default) stores every value plain. */
  compression?: CompressionOptions | false;
  /** AES-256-GCM encryption of every stored value, with key ids for rotation. */
  encryption?: EncryptionOptions;
  /**
   * Cross-instance L1 invalidation (default on when L1 is on), or `false` for an instance that
   * is alone (then L1 is never invalidated by other writers: keep `l1.maxTtlMs` short).
   */
  invalidation?: InvalidationOptions | false;
  /**
   * Single-flight of `getOrSet` loads across every process sharing the Redis (`true` for the
   * defaults), on top of the per-process one. Off by default: it costs one more round trip on
   * each miss. While Redis is down, or when the lock cannot be taken, loads are single-flight per
   * process only; the lock never fails a call.
   */
  distributedSingleFlight?: boolean | DistributedSingleFlightOptions;
  /** Options of the in-memory fallback used while Redis is down. Default 32 MiB, 50 000 entries. */
  fallback?: MemoryStoreOptions;
  /**
   * A `ResilientStore` to use instead of creating one (sharing its fallback with other users);
   * `fallback` is then ignored. Give it the `invalidate` recovery policy.
   */
  store?: ResilientStore;
}

/**
 * A value's lifetime, in ms: the options of {@link Cache.set} and {@link Cache.getOrSet} and the
 * fields of a {@link CacheEntry}. Giving both a `...Ms` option and its deprecated `...Seconds`
 * twin throws `ConfigError`.
 */
export interface CacheDurationOptions {
  /** TTL in ms. Default: the cache's `ttlMs`. 0: no expiry. */
  ttlMs?: number;
  /** @deprecated Use `ttlMs` (milliseconds, like every duration option). Seconds. */
  ttlSeconds?: number;
  /** Grace period in ms (see `CacheOptions.graceMs`). Default: the cache's `graceMs`. */
  graceMs?: number;
  /** @deprecated Use `graceMs` (milliseconds, like every duration option). Seconds. */
  graceSeconds?: number;
}

/** Options of {@link Cache.getOrSet}. */
export interface GetOrSetOptions extends CacheDurationOptions {}

/** Options of {@link Cache.set}. */
export interface CacheSetOptions extends CacheDurationOptions {}

/** One entry of {@link Cache.mset}. */
export interface CacheEntry<T = unknown> extends CacheDurationOptions {
  key: string;
  value: T;
}
