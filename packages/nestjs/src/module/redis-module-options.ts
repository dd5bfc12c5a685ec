import type { CacheOptions } from '@redgrid/cache';
import type { ConnectionOptions } from '@redgrid/connection';
import type { RedisConfig, RedisConfigInput } from '@redgrid/core';
import type { RecoveryPolicy } from '@redgrid/fallback';
import type { PartitionNodeDefinition, PartitionStrategy } from '@redgrid/partitioning';
import type { RateLimiterOptions } from '@redgrid/rate-limit';

/**
 * Options of the module's {@link RateLimitService}: the defaults of its limiter. Every route or
 * call may override `limit` and `windowMs`.
 */
export type RedisModuleRateLimitOptions = Partial<Omit<RateLimiterOptions, 'connection'>>;

/** Options of the module's {@link CacheService} (the cache is created over the main connection). */
export type RedisModuleCacheOptions = Omit<CacheOptions, 'connection'>;

/**
 * Options of the module's {@link RedisPartitioningService}. Without `nodes` the keyspace has one
 * node, the module's own connection (a Redis Cluster then places keys itself).
 */
export interface RedisModulePartitioningOptions {
  /**
   * Independent Redis nodes (single servers or Sentinel groups) to spread keys over. The module
   * opens their connections and closes them on shutdown.
   */
  nodes?: readonly PartitionNodeDefinition[];
  /** How keys are placed. Default consistent hashing. */
  strategy?: PartitionStrategy;
  /**
   * What happens to writes made through `getStoreForKey(key)` while a node was down, once it
   * answers again. Default `last-write-wins`: they are replayed unless Redis holds a newer write.
   */
  recovery?: RecoveryPolicy;
}

/**
 * Configuration of {@link RedisModule}. Every field is optional: with none, the Redis
 * configuration is read from the environment (`REDIS_*` variables, see `loadConfigFromEnv`).
 */
export interface RedisModuleOptions {
  /**
   * Where Redis is and how to talk to it: a validated `RedisConfig` (`defineConfig`,
   * `loadConfigFromEnv`) or the input of `defineConfig`. Default `loadConfigFromEnv()`, read when
   * the module starts, so one binary runs against a single server, a Cluster or Sentinel by
   * environment alone.
   */
  config?: RedisConfig | RedisConfigInput;
  /**
   * Behaviour of the main connection (breaker tuning, health-check period, metrics hooks). The
   * default logger writes through Nest's `Logger` under the `RedGrid` context.
   */
  connection?: ConnectionOptions;
  /** Client-side partitioning. Default: one node, the main connection. */
  partitioning?: RedisModulePartitioningOptions;
  /**
   * Defaults of the rate limiter behind `RateLimitService` and `@RateLimit()`. Default:
   * `sliding-window`, 100 per 60 000 ms, prefix `rl:`, failure policy `memory`.
   * `RedisThrottlerStorage` takes only `prefix`, `failurePolicy` and `memory` from here: it
   * counts with its own algorithm (throttler's contract by default, see
   * `RedisThrottlerStorageOptions`), never this `algorithm`, and throttler gives each hit its
   * limit and ttl. (Given a limiter algorithm of its own, it also takes the other limiter
   * options, still not `algorithm`, `limit` nor `windowMs`.)
   */
  rateLimit?: RedisModuleRateLimitOptions;
  /** Options of the cache behind `CacheService`. Default: `createCache` defaults. */
  cache?: RedisModuleCacheOptions;
  /**
   * Connect when the application starts instead of at the first command: `'background'`
   * (default) starts connecting without delaying the start, so an application comes up (degraded)
   * while Redis is down; `'wait'` delays the start until Redis answers (and fails it if Redis does
   * not within the connect timeout); `false` stays lazy.
   */
  connectOnStart?: 'background' | 'wait' | false;
  /**
   * How long closing every connection may take on application shutdown, in ms; sockets still
   * open then are destroyed. Default 5 000.
   */
  shutdownTimeoutMs?: number;
  /** Register the module globally (its services injectable everywhere). Default true. */
  isGlobal?: boolean;
}
