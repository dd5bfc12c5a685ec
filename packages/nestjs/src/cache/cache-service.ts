import { Inject, Injectable } from '@nestjs/common';
import { type Cache, createCache, type GetOrSetOptions } from '@redgrid/cache';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import { created, shutdown } from '../internal/shutdown.js';
import type { RedisModuleOptions } from '../module/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../module/tokens.js';

/**
 * A two-level cache over the module's Redis connection (`@redgrid/cache`): a bounded
 * in-process L1 over Redis, single-flight loads, L1 invalidation across instances, and reads
 * and writes that keep working from memory while Redis is down.
 *
 * Gotcha: values are JSON by default (no `Date`, `Map`, `BigInt`); values read from L1 are the
 * very objects cached, so do not mutate them.
 *
 * @example
 * await this.cache.set('user:123:profile', profile, 300);
 * const profile = await this.cache.getOrSet('user:123:profile', () => this.users.load('123'));
 */
@Injectable()
export class CacheService {
  readonly #connectionService: RedisConnectionService;
  readonly #options: RedisModuleOptions;
  #cache: Cache | undefined;

  constructor(
    @Inject(RedisConnectionService) connectionService: RedisConnectionService,
    @Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions,
  ) {
    this.#connectionService = connectionService;
    this.#options = options;
  }

  /**
   * The `@redgrid/cache` instance, created on first use from the module's `cache` options:
   * `mget`, `mset`, `clear`, `namespace`, metadata variants, metrics and events.
   */
  get cache(): Cache {
    this.#cache ??= createCache({
      ...this.#options.cache,
      connection: this.#connectionService.connection,
    });
    return this.#cache;
  }

  /** The value of `key` if cached and fresh, else `undefined` (`T` is not checked at run time). */
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.cache.get<T>(key);
  }

  /** Caches `value` for `ttlSeconds` (default: the cache's `ttlMs`, 5 min). */
  set<T>(key: string, value: T, ttlSeconds?: number): Promise<void> {
    return this.cache.set(key, value, ttlSeconds);
  }

  /** Deletes one or many keys everywhere (L1, Redis, other instances' L1). */
  del(keys: string | readonly string[]): Promise<number> {
    return this.cache.del(keys);
  }

  /**
   * The cached value of `key`, or the loader's result, cached; one loader run per key at a time
   * in this process however many callers ask. A loader returning `undefined` is not cached.
   */
  getOrSet<T>(key: string, loader: () => T | Promise<T>, options?: GetOrSetOptions): Promise<T> {
    return this.cache.getOrSet(key, loader, options);
  }

  /** @internal The cache if created. */
  [created](): Cache | undefined {
    return this.#cache;
  }

  /** @internal Stops the cache's subscriber and timers (the connection is closed after it). */
  async [shutdown](): Promise<void> {
    const cache = this.#cache;
    this.#cache = undefined;
    await cache?.close();
  }
}
