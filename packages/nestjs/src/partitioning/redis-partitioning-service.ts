import { Inject, Injectable } from '@nestjs/common';
import { ResilientStore } from '@redgrid/fallback';
import { createPartitionedRedis, type PartitionedRedis } from '@redgrid/partitioning';
import type { Cluster, Redis } from 'ioredis';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import { created, shutdown } from '../internal/shutdown.js';
import type { RedisModuleOptions } from '../module/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../module/tokens.js';

/**
 * Routes keys to the Redis node that owns them: across independent nodes when
 * `partitioning.nodes` is configured (consistent hashing by default), else to the module's own
 * connection (a Redis Cluster then places keys by hash slot itself). Code written against it
 * runs unchanged on one server, a Cluster, Sentinel or a partitioned fleet.
 *
 * `getStoreForKey(key)` adds the in-memory fallback: a `ResilientStore` over the owning node
 * that keeps answering while that node is down and applies the configured recovery policy when
 * it returns.
 *
 * @example
 * const redis = this.partitioning.getConnectionForKey('user:123');
 * await redis.set('user:123', JSON.stringify(user));
 */
@Injectable()
export class RedisPartitioningService {
  readonly #connectionService: RedisConnectionService;
  readonly #options: RedisModuleOptions;
  readonly #stores = new Map<string, ResilientStore>();
  #partitioned: PartitionedRedis | undefined;

  constructor(
    @Inject(RedisConnectionService) connectionService: RedisConnectionService,
    @Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions,
  ) {
    this.#connectionService = connectionService;
    this.#options = options;
  }

  /**
   * The `@redgrid/partitioning` instance, created on first use: multi-key helpers, pipelines,
   * `analyzeDistribution()`, `validate()`, `planRebalance()` and `migrate()`.
   */
  get partitioned(): PartitionedRedis {
    this.#partitioned ??= createPartitionedRedis({
      nodes: this.#options.partitioning?.nodes ?? [
        { id: 'main', connection: this.#connectionService.connection },
      ],
      ...(this.#options.partitioning?.strategy === undefined
        ? {}
        : { strategy: this.#options.partitioning.strategy }),
    });
    return this.#partitioned;
  }

  /**
   * The guarded ioredis client of the node owning `key`. Use it for any command on that key;
   * keys that must live together share a hash tag (`{user:123}:profile`, `{user:123}:tasks`).
   * Throws `UnroutableKeyError` when a range strategy has no node for the key.
   */
  getConnectionForKey(key: string): Redis | Cluster {
    return this.partitioned.getConnectionForKey(key);
  }

  /** Id of the node owning `key` (`'main'` without configured nodes). */
  nodeForKey(key: string): string {
    return this.partitioned.nodeForKey(key);
  }

  /**
   * A `ResilientStore` over the node owning `key` (one per node, created on first use): `get`,
   * `set` with TTL, `delete`, `increment`, `mget`, ... answered by Redis while the node is usable
   * and from a bounded in-memory store while it is not. Each result says which one answered.
   * Writes made in memory follow `partitioning.recovery` (default `last-write-wins`) when the
   * node returns. Gotcha: while degraded, reads see only what this process wrote in memory.
   */
  getStoreForKey(key: string): ResilientStore {
    return this.getStoreForNode(this.nodeForKey(key));
  }

  /** The `ResilientStore` of a node by id (see {@link getStoreForKey}). */
  getStoreForNode(nodeId: string): ResilientStore {
    let store = this.#stores.get(nodeId);
    if (store === undefined) {
      store = new ResilientStore({
        connection: this.partitioned.connectionOf(nodeId),
        recovery: this.#options.partitioning?.recovery ?? 'last-write-wins',
      });
      this.#stores.set(nodeId, store);
    }
    return store;
  }

  /** True while any node's store answers from memory. */
  isDegraded(): boolean {
    for (const store of this.#stores.values()) if (store.degraded) return true;
    return false;
  }

  /** @internal The stores created so far, by node id. */
  [created](): ReadonlyMap<string, ResilientStore> {
    return this.#stores;
  }

  /** @internal Releases the stores and the node connections the module opened. */
  async [shutdown](timeoutMs: number): Promise<void> {
    for (const store of this.#stores.values()) store.dispose();
    this.#stores.clear();
    await this.#partitioned?.close({ timeoutMs });
  }
}
