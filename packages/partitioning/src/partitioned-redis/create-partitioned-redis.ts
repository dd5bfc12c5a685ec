import type { RedisConnection } from '@redgrid/connection';
import { ConfigError, type ConfigIssue, OptionChecks, TypedEmitter } from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import { publishAct } from '../cluster-admin/publish-act.js';
import { ClusterModeError } from '../errors/cluster-mode-error.js';
import { analyzePartitionDistribution } from '../inspection/analyze-distribution.js';
import {
  analyzeClusterDistribution,
  validateClusterPlacement,
} from '../inspection/cluster-inspection.js';
import { partitionedHealth } from '../inspection/partitioned-health.js';
import { validatePartitionPlacement } from '../inspection/validate-placement.js';
import { MigrationCoordinator } from '../migration/migration-coordinator.js';
import type { MigrateOptions, MigrationResult } from '../migration/migration-types.js';
import { ClusterKeyOperations } from '../multi-key/cluster-key-operations.js';
import type { EntriesInput, KeyOperations } from '../multi-key/key-operations.js';
import { PartitionedKeyOperations } from '../multi-key/partitioned-key-operations.js';
import { NodeRegistry } from '../nodes/node-registry.js';
import type { RebalancePlan } from '../rebalance/rebalance-plan.js';
import { ClusterRouting } from '../routing/cluster-routing.js';
import { KeyRouting } from '../routing/key-routing.js';
import { createPartitioner, type NormalizedLayout } from '../strategies/create-partitioner.js';
import type { PartitionStrategy } from '../strategies/partition-strategy.js';
import { PartitionedPipeline, type RedisArgument } from './partitioned-pipeline.js';
import type {
  AnalyzeDistributionOptions,
  DistributionReport,
  PartitionedHealth,
  PartitionedRedis,
  PartitionedRedisEvents,
  PartitionedRedisOptions,
  PartitionNodeDefinition,
  PlanRebalanceOnNodesOptions,
  ValidateOptions,
  ValidationReport,
} from './partitioned-redis.js';

const clusterRedisCliHint =
  'the cluster places keys by hash slot: rebalance with `redis-cli --cluster rebalance <host>:<port> --cluster-use-empty-masters` after adding a master (`redis-cli --cluster add-node <new>:<port> <existing>:<port>`), or move slots with `redis-cli --cluster reshard <host>:<port> --cluster-from <id> --cluster-to <id> --cluster-slots <n> --cluster-yes`; see the @redgrid/partitioning README';

/** A TTL given to `set` / `mset` must be one PX accepts. */
function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined)
    new OptionChecks().durationMs('ttlMs', ttlMs, 1, { integer: true }).throwIfAny();
}

/**
 * The facade: validates the options, opens the nodes, and hands each concern to its
 * collaborator: key commands to a `KeyOperations` of the mode, rebalancing to the
 * `MigrationCoordinator`, analysis and health to the `inspection/` functions.
 */
class PartitionedRedisImpl implements PartitionedRedis {
  readonly mode: 'partitioned' | 'cluster';
  readonly #nodes: NodeRegistry;
  readonly #events = new TypedEmitter<PartitionedRedisEvents>({ name: 'a partitioned Redis' });
  readonly #hotThreshold: number | undefined;
  readonly #routing: KeyRouting;
  readonly #cluster: ClusterRouting | undefined;
  readonly #keys: KeyOperations;
  readonly #migrations: MigrationCoordinator;
  #closed = false;

  constructor(options: PartitionedRedisOptions) {
    const issues: ConfigIssue[] = [];
    this.#nodes = new NodeRegistry(options.connectionOptions);
    this.#hotThreshold = options.hotThreshold;
    const nodes = options.nodes ?? [];
    const strategy: PartitionStrategy = options.strategy ?? {
      type: 'consistent-hash',
    };
    const clusterNodes = nodes.filter(
      (node) => (node.connection?.topology ?? node.config?.type) === 'cluster',
    );
    if (clusterNodes.length > 0 && nodes.length > 1) {
      issues.push({
        variable: 'nodes',
        message:
          'a Redis Cluster config is only accepted as the sole node (cluster mode); partition across single servers or Sentinel groups, or let the cluster place keys',
      });
    }
    const checks = new OptionChecks('');
    checks.number('hotThreshold', options.hotThreshold, 0, { above: true });
    issues.push(...checks.issues);
    if (issues.length > 0) throw new ConfigError(issues);
    // Validate the layout before opening anything.
    this.#routing = new KeyRouting(
      createPartitioner({
        nodes: nodes.map((node) => ({
          id: node.id,
          ...(node.weight === undefined ? {} : { weight: node.weight }),
        })),
        strategy,
      }),
    );
    this.#nodes.add(nodes, 'nodes', issues);
    if (issues.length > 0) {
      this.#nodes.abandon();
      throw new ConfigError(issues);
    }
    this.mode = clusterNodes.length > 0 ? 'cluster' : 'partitioned';
    const only = nodes[0];
    this.#cluster =
      this.mode === 'cluster' && only
        ? new ClusterRouting(this.#nodes.handle(only.id).connection)
        : undefined;
    this.#keys = this.#cluster
      ? new ClusterKeyOperations(this.#cluster)
      : new PartitionedKeyOperations(this.#routing, (id) => this.#nodes.client(id));
    this.#migrations = new MigrationCoordinator(this.#routing, this.#nodes, (event, ...args) =>
      this.#events.emit(event, ...args),
    );
  }

  get layout(): NormalizedLayout {
    return this.#routing.current.layout;
  }

  get migratingPlan(): RebalancePlan | undefined {
    return this.#routing.plan;
  }

  nodeForKey(key: string): string {
    return this.#routing.nodeFor(key);
  }

  getConnectionForKey(key: string): Redis | Cluster {
    return this.#keys.connectionFor(key);
  }

  async resolveConnectionForKey(key: string): Promise<Redis | Cluster> {
    return this.#keys.resolveConnectionFor(key);
  }

  connectionOf(nodeId: string): RedisConnection {
    return this.#nodes.handle(nodeId).connection;
  }

  async get(key: string): Promise<string | null> {
    return this.#keys.get(key);
  }

  async set(key: string, value: RedisArgument, options: { ttlMs?: number } = {}): Promise<void> {
    checkTtl(options.ttlMs);
    return this.#keys.set(key, value, options.ttlMs);
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    return this.#keys.mget(keys);
  }

  async mset(entries: EntriesInput, options: { ttlMs?: number } = {}): Promise<void> {
    checkTtl(options.ttlMs);
    return this.#keys.mset(entries, options);
  }

  async del(keys: string | readonly string[]): Promise<number> {
    return this.#keys.del(keys);
  }

  pipeline(): PartitionedPipeline {
    return new PartitionedPipeline((commands) => this.#keys.execute(commands));
  }

  async analyzeDistribution(options: AnalyzeDistributionOptions = {}): Promise<DistributionReport> {
    new OptionChecks().text('match', options.match).throwIfAny();
    const statsOptions =
      this.#hotThreshold === undefined ? {} : { hotThreshold: this.#hotThreshold };
    if (this.#cluster)
      return analyzeClusterDistribution(this.#cluster.client, options, statsOptions);
    return analyzePartitionDistribution(
      this.#routing.current,
      (id) => this.#nodes.client(id),
      options,
      statsOptions,
    );
  }

  async validate(options: ValidateOptions = {}): Promise<ValidationReport> {
    new OptionChecks()
      .integer('maxReported', options.maxReported, 0)
      .integer('scanCount', options.scanCount, 1)
      .text('match', options.match)
      .throwIfAny();
    const checked = {
      maxReported: options.maxReported ?? 100,
      scanCount: options.scanCount ?? 1000,
      match: options.match,
    };
    if (this.#cluster) return validateClusterPlacement(this.#cluster.client, checked);
    const ids = new Set(this.#routing.current.layout.nodes.map((node) => node.id));
    for (const node of this.#routing.previousLayout?.nodes ?? []) ids.add(node.id);
    return validatePartitionPlacement(
      this.#routing.current,
      ids,
      (id) => this.#nodes.client(id),
      checked,
    );
  }

  health(): PartitionedHealth {
    return partitionedHealth(
      this.#nodes.handles(),
      this.#routing.current.layout,
      this.#routing.previousLayout,
      this.#routing.plan?.id,
    );
  }

  async planRebalance(
    newNodes: readonly PartitionNodeDefinition[],
    options: PlanRebalanceOnNodesOptions = {},
  ): Promise<RebalancePlan> {
    this.#refuseInClusterMode('planRebalance');
    return this.#migrations.planRebalance(newNodes, options);
  }

  followMigration(plan: RebalancePlan): void {
    this.#refuseInClusterMode('followMigration');
    this.#migrations.followMigration(plan);
  }

  async completeMigration(plan: RebalancePlan): Promise<void> {
    return this.#migrations.completeMigration(plan);
  }

  migrate(plan: RebalancePlan, options: MigrateOptions = {}): Promise<MigrationResult> {
    const run = async () => {
      this.#refuseInClusterMode('migrate');
      return this.#migrations.migrate(plan, options);
    };
    if (options.dryRun === true) return run();
    return publishAct('partition-migration', run, (result) => ({
      planId: plan.id,
      movedKeys: result.movedKeys,
    }));
  }

  #refuseInClusterMode(operation: 'planRebalance' | 'followMigration' | 'migrate'): void {
    if (this.#cluster) {
      throw new ClusterModeError({
        operation,
        message: `${operation} does not apply to a Redis Cluster: ${clusterRedisCliHint}`,
      });
    }
  }

  on<E extends keyof PartitionedRedisEvents>(
    event: E,
    listener: PartitionedRedisEvents[E],
  ): () => void {
    return this.#events.on(event, listener);
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.clear();
    await this.#nodes.close(options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Client-side partitioning across independent Redis nodes, each a single server or a Sentinel
 * group: `getConnectionForKey(key)` gives the guarded client of the node that owns the key,
 * multi-key helpers and pipelines are grouped per node, and the layout can be analysed,
 * validated, re-planned and migrated live. Use it for fleets of independent instances (cache
 * tiers, tenant shards); to scale one dataset past one machine prefer Redis Cluster, which
 * this also accepts (one cluster config as the only node: cluster mode, where the cluster
 * places keys and `analyzeDistribution` reports its slots).
 *
 * Throws `ConfigError` (every problem listed) for bad nodes or strategy options, and
 * `InvalidRangesError` for range layouts with gaps or overlaps. Connections are lazy: nothing
 * connects until the first command. Close it with `close()` (or `await using`).
 */
export function createPartitionedRedis(options: PartitionedRedisOptions): PartitionedRedis {
  return new PartitionedRedisImpl(options);
}
