import type { ConnectionHealth, ConnectionOptions, RedisConnection } from '@redgrid/connection';
import type { RedisConfig, RedisConfigInput } from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import type { DistributionStats } from '../distribution/distribution-stats.js';
import type {
  MigrateOptions,
  MigrationProgress,
  MigrationResult,
} from '../migration/migration-types.js';
import type { RebalancePlan } from '../rebalance/rebalance-plan.js';
import type { NormalizedLayout } from '../strategies/create-partitioner.js';
import type { PartitionStrategy } from '../strategies/partition-strategy.js';
import type { PartitionedPipeline, RedisArgument } from './partitioned-pipeline.js';

/**
 * One node of a partitioned keyspace: an id (placement is computed from it: keep it stable
 * when the address changes), and a configuration (a single server or a Sentinel group; the
 * instance opens and closes the connection) and/or an existing `@redgrid/connection`
 * connection (used as is, left open on `close()`). A Redis Cluster is accepted only as the
 * sole node: see cluster mode.
 */
export interface PartitionNodeDefinition {
  /** Stable, unique name, e.g. `'cache-1'`. */
  readonly id: string;
  /** Relative capacity, > 0. Default 1. */
  readonly weight?: number;
  /**
   * `@redgrid/core` configuration (validated with `defineConfig` when given as input). With
   * `connection` too, it only tells migrations the node's address and credentials (MIGRATE).
   */
  readonly config?: RedisConfig | RedisConfigInput;
  /**
   * An existing connection to use instead of opening one. Without `config`, migrations to this
   * node copy keys through the client (DUMP/RESTORE), since its credentials are unknown.
   */
  readonly connection?: RedisConnection;
}

/** Options of `createPartitionedRedis`. */
export interface PartitionedRedisOptions {
  /** The nodes, at least one; one Redis Cluster config alone selects cluster mode. */
  readonly nodes: readonly PartitionNodeDefinition[];
  /** How keys are placed. Default `{ type: 'consistent-hash' }`. */
  readonly strategy?: PartitionStrategy;
  /**
   * Options for every connection the instance opens (passed to `createConnection`); `name`
   * defaults to `partition:<node id>` so logs and breaker errors say which node.
   */
  readonly connectionOptions?: ConnectionOptions;
  /** A node is reported hot above this share / expected share. Default 1.2. */
  readonly hotThreshold?: number;
}

/** Per-master figures of a Redis Cluster (cluster mode only). */
export interface ClusterMasterDistribution {
  /** `host:port` as the cluster announces it. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** Hash slots it owns. */
  readonly slots: number;
  /** Its slot ranges, inclusive: `[[0, 5460]]`. */
  readonly slotRanges: readonly (readonly [number, number])[];
  /** slots / 16384. */
  readonly slotShare: number;
  /** Keys it holds (DBSIZE, or counted from the sample). */
  readonly keys: number;
}

/**
 * Keys per node with their spread. In cluster mode the nodes are the cluster's masters and
 * each expects the share of slots it owns.
 */
export interface DistributionReport extends DistributionStats {
  readonly mode: 'partitioned' | 'cluster';
  /** Where the counts come from: a routed sample, DBSIZE, or a SCAN (with `match`). */
  readonly counted: 'sample' | 'dbsize' | 'scan';
  /** The cluster's masters (cluster mode only). */
  readonly cluster: readonly ClusterMasterDistribution[] | undefined;
}

/** Options of `analyzeDistribution`. */
export interface AnalyzeDistributionOptions {
  /**
   * Route these keys instead of counting what the nodes hold: no I/O (except the slot map in
   * cluster mode). Use it to check a key naming scheme before going live.
   */
  readonly sample?: Iterable<string>;
  /** Count only keys matching this SCAN pattern (slower: scans every node). */
  readonly match?: string;
}

/** A key found on a node that does not own it. */
export interface MisplacedKey {
  readonly key: string;
  /** Where it was found. */
  readonly node: string;
  /** Where the strategy puts it (cluster mode: the master owning its slot). */
  readonly expectedNode: string;
  /** True when the owner has the key too (a duplicate, not just a misplacement). */
  readonly duplicate: boolean;
}

/** Result of `validate()`. */
export interface ValidationReport {
  /** True when no key is misplaced or unroutable. */
  readonly valid: boolean;
  readonly scannedKeys: number;
  /** Keys found per node. */
  readonly keysPerNode: Readonly<Record<string, number>>;
  readonly misplacedCount: number;
  /** Misplaced keys whose owner holds them too. */
  readonly duplicateCount: number;
  readonly unroutableCount: number;
  /** The first misplaced keys (up to `maxReported`). */
  readonly misplaced: readonly MisplacedKey[];
  /** The first unroutable keys with the node they were found on (up to `maxReported`). */
  readonly unroutable: readonly {
    readonly key: string;
    readonly node: string;
  }[];
}

/** Options of `validate()`. */
export interface ValidateOptions {
  /** Only keys matching this SCAN pattern. */
  readonly match?: string;
  /** Misplaced / unroutable keys listed in the report at most. Default 100. */
  readonly maxReported?: number;
  /** SCAN COUNT hint. Default 1000. */
  readonly scanCount?: number;
}

/** One node in `health()`. */
export interface PartitionNodeHealth {
  readonly id: string;
  /**
   * `member`: in the layout keys are routed by; `joining` / `leaving`: a migration adds /
   * removes it; `pending`: known from `planRebalance`, not used yet.
   */
  readonly role: 'member' | 'joining' | 'leaving' | 'pending';
  readonly healthy: boolean;
  /** The node connection's own snapshot. */
  readonly health: ConnectionHealth;
}

/** Result of `health()`. */
export interface PartitionedHealth {
  /** `healthy`: every node serving; `degraded`: some; `unhealthy`: none. */
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  /** True when every node that owns keys (and, during a migration, every old owner) is healthy. */
  readonly allPartitionsServed: boolean;
  /** Ids of nodes that own keys and are not healthy. */
  readonly unservedNodes: readonly string[];
  readonly nodes: readonly PartitionNodeHealth[];
  /** Id of the plan being migrated, if any. */
  readonly migratingPlanId: string | undefined;
}

/** Options of `PartitionedRedis.planRebalance`. */
export interface PlanRebalanceOnNodesOptions {
  /** Strategy of the new layout; default the current one (range layouts usually change it). */
  readonly strategy?: PartitionStrategy;
  /**
   * Scan every node and count exactly which keys move (slower), instead of estimating from
   * DBSIZE and arc lengths. Default false.
   */
  readonly exact?: boolean;
  /** With `exact`: only keys matching this SCAN pattern. */
  readonly match?: string;
}

/** Events of a partitioned instance. */
export interface PartitionedRedisEvents {
  migrationStart: (plan: RebalancePlan) => void;
  migrationProgress: (progress: MigrationProgress) => void;
  migrationComplete: (result: MigrationResult) => void;
}

/**
 * Client-side partitioning over independent Redis nodes (see `createPartitionedRedis`).
 */
export interface PartitionedRedis {
  /** `cluster` when the only node is a Redis Cluster (the cluster places keys itself). */
  readonly mode: 'partitioned' | 'cluster';
  /** The layout keys are routed by (the target layout while a migration runs). */
  readonly layout: NormalizedLayout;
  /** The plan being migrated (reads fall back to old owners), or undefined. */
  readonly migratingPlan: RebalancePlan | undefined;
  /** Id of the node owning `key`. Throws `UnroutableKeyError` when there is none. */
  nodeForKey(key: string): string;
  /**
   * The guarded ioredis client of the node owning `key`, for any command on that key
   * (`getConnectionForKey('user:123').set('user:123', ...)`). Synchronous and allocation-free.
   *
   * Gotcha: during a migration it returns the new owner, which may not have the key yet; use
   * `get`/`mget`/`pipeline` (which fall back or move first) or `resolveConnectionForKey`.
   */
  getConnectionForKey(key: string): Redis | Cluster;
  /**
   * Like `getConnectionForKey`, but during a migration first moves `key` to its new owner if
   * it is still on the old one, so any command (INCR, HSET, ...) sees the current value.
   */
  resolveConnectionForKey(key: string): Promise<Redis | Cluster>;
  /** The connection of a node by id (throws `ConfigError` for an unknown id). */
  connectionOf(nodeId: string): RedisConnection;
  /** GET; during a migration reads the new owner, then the old one. */
  get(key: string): Promise<string | null>;
  /** SET on the owner, with an optional TTL in milliseconds. */
  set(key: string, value: RedisArgument, options?: { ttlMs?: number }): Promise<void>;
  /** MGET of many keys, one MGET per node in parallel; values in the order of `keys`. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /**
   * MSET of many keys, grouped per node (one MSET, or one pipeline of SET PX with `ttlMs`).
   * Not atomic across nodes.
   */
  mset(
    entries: Iterable<readonly [string, RedisArgument]> | Readonly<Record<string, RedisArgument>>,
    options?: { ttlMs?: number },
  ): Promise<void>;
  /** DEL of many keys grouped per node; returns how many existed. */
  del(keys: string | readonly string[]): Promise<number>;
  /** A pipeline whose commands are grouped per node (see `PartitionedPipeline`). */
  pipeline(): PartitionedPipeline;
  /** Keys per node against the expected shares. */
  analyzeDistribution(options?: AnalyzeDistributionOptions): Promise<DistributionReport>;
  /** Scans every node and reports keys that are not on the node the strategy assigns. */
  validate(options?: ValidateOptions): Promise<ValidationReport>;
  /** Every node's health and whether every partition is served. */
  health(): PartitionedHealth;
  /**
   * Plans the move to `newNodes` (the complete new node list: add, remove or reweight).
   * Connection settings of joining nodes are remembered for `migrate` (their connections open
   * lazily); nodes already known keep their connection, whatever config is passed for them.
   * Throws `ClusterModeError` in cluster mode, `MigrationError` (`busy`) during a migration.
   */
  planRebalance(
    newNodes: readonly PartitionNodeDefinition[],
    options?: PlanRebalanceOnNodesOptions,
  ): Promise<RebalancePlan>;
  /**
   * Moves the data of a plan, then routes by its target layout. Idempotent and resumable
   * (checkpoint per source node); reads and writes stay correct while it runs. Throws
   * `MigrationError` when it cannot finish (`reason` says why) and `ClusterModeError` in
   * cluster mode.
   */
  migrate(plan: RebalancePlan, options?: MigrateOptions): Promise<MigrationResult>;
  /**
   * Routes this instance as during a migration of `plan` (new owners first, old ones as
   * fallback), for the application processes while another process runs `migrate`. Make the
   * plan with `planRebalance` on this instance first (it needs the joining nodes' configs).
   */
  followMigration(plan: RebalancePlan): void;
  /**
   * Ends migration routing: keys are routed by the plan's target layout only, and the
   * connections of nodes that left are closed (those the instance opened).
   */
  completeMigration(plan: RebalancePlan): Promise<void>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof PartitionedRedisEvents>(
    event: E,
    listener: PartitionedRedisEvents[E],
  ): () => void;
  /**
   * Closes every connection the instance opened (not those passed in), each within
   * `timeoutMs` (then forcibly). Idempotent; event listeners are removed.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
  /** `close()` with the defaults, for `await using partitioning = createPartitionedRedis(...)`. */
  [Symbol.asyncDispose](): Promise<void>;
}
