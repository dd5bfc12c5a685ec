import {
  type ConnectionOptions,
  createConnection,
  type RedisConnection,
} from '@redgrid/connection';
import {
  ConfigError,
  type ConfigIssue,
  defineConfig,
  publish,
  type RedisConfig,
  TypedEmitter,
} from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import { publishAct } from '../cluster-admin/publish-act.js';
import { computeDistributionStats } from '../distribution/distribution-stats.js';
import { ClusterModeError } from '../errors/cluster-mode-error.js';
import { MigrationError } from '../errors/migration-error.js';
import type { CheckpointStore } from '../migration/checkpoint-store.js';
import { KeyLocks } from '../migration/key-locks.js';
import type {
  MigrateOptions,
  MigrationProgress,
  MigrationResult,
} from '../migration/migration-types.js';
import type { MigrateTarget } from '../migration/move-keys.js';
import { redisCheckpointStore } from '../migration/redis-checkpoint-store.js';
import { checkpointKey } from '../migration/reserved-keys.js';
import { runMigration } from '../migration/run-migration.js';
import { Transfers } from '../migration/transfers.js';
import { layoutId } from '../rebalance/plan-id.js';
import { type LocatedKey, planRebalance } from '../rebalance/plan-rebalance.js';
import type { RebalancePlan } from '../rebalance/rebalance-plan.js';
import {
  createPartitioner,
  type NormalizedLayout,
  type Partitioner,
} from '../strategies/create-partitioner.js';
import type { PartitionStrategy } from '../strategies/partition-strategy.js';
import { ClusterView } from './cluster-view.js';
import {
  PartitionedPipeline,
  type PipelineReply,
  type QueuedCommand,
  type RedisArgument,
} from './partitioned-pipeline.js';
import type {
  AnalyzeDistributionOptions,
  DistributionReport,
  MisplacedKey,
  PartitionedHealth,
  PartitionedRedis,
  PartitionedRedisEvents,
  PartitionedRedisOptions,
  PartitionNodeDefinition,
  PartitionNodeHealth,
  PlanRebalanceOnNodesOptions,
  ValidateOptions,
  ValidationReport,
} from './partitioned-redis.js';
import { scanKeys } from './scan-keys.js';

interface NodeHandle {
  readonly id: string;
  readonly connection: RedisConnection;
  /** The node's validated configuration, when known (for MIGRATE's address and credentials). */
  readonly config: RedisConfig | undefined;
  /** Opened by this instance (closed by it). */
  readonly owned: boolean;
}

const clusterRedisCliHint =
  'the cluster places keys by hash slot: rebalance with `redis-cli --cluster rebalance <host>:<port> --cluster-use-empty-masters` after adding a master (`redis-cli --cluster add-node <new>:<port> <existing>:<port>`), or move slots with `redis-cli --cluster reshard <host>:<port> --cluster-from <id> --cluster-to <id> --cluster-slots <n> --cluster-yes`; see the @redgrid/partitioning README';

function openNode(
  definition: PartitionNodeDefinition,
  path: string,
  connectionOptions: ConnectionOptions | undefined,
  issues: ConfigIssue[],
): NodeHandle | undefined {
  let config: RedisConfig | undefined;
  if (definition.config !== undefined) {
    try {
      config = defineConfig(definition.config);
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      for (const issue of error.issues) {
        issues.push({
          variable: `${path}.config.${issue.variable}`,
          message: issue.message,
        });
      }
      return undefined;
    }
  }
  if (definition.connection) {
    return {
      id: definition.id,
      connection: definition.connection,
      config,
      owned: false,
    };
  }
  if (config === undefined) {
    issues.push({
      variable: `${path}.config`,
      message: 'is missing; give the node a config (single or sentinel) or an existing connection',
    });
    return undefined;
  }
  const connection = createConnection(config, {
    ...connectionOptions,
    name: connectionOptions?.name ?? `partition:${definition.id}`,
  });
  return { id: definition.id, connection, config, owned: true };
}

function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    let list = groups.get(key);
    if (!list) {
      list = [];
      groups.set(key, list);
    }
    list.push(item);
  }
  return groups;
}

async function execPipeline(pipeline: ReturnType<Redis['pipeline']>): Promise<PipelineReply[]> {
  return ((await pipeline.exec()) ?? []) as PipelineReply[];
}

class PartitionedRedisImpl implements PartitionedRedis {
  readonly mode: 'partitioned' | 'cluster';
  readonly #handles = new Map<string, NodeHandle>();
  readonly #events = new TypedEmitter<PartitionedRedisEvents>({ name: 'a partitioned Redis' });
  readonly #locks = new KeyLocks();
  readonly #connectionOptions: ConnectionOptions | undefined;
  readonly #hotThreshold: number | undefined;
  readonly #cluster: ClusterView | undefined;
  #current: Partitioner;
  #previous: Partitioner | undefined;
  #plan: RebalancePlan | undefined;
  #transfers: Transfers | undefined;
  #running = false;
  #closed = false;

  constructor(options: PartitionedRedisOptions) {
    const issues: ConfigIssue[] = [];
    this.#connectionOptions = options.connectionOptions;
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
    if (issues.length > 0) throw new ConfigError(issues);
    // Validate the layout before opening anything.
    this.#current = createPartitioner({
      nodes: nodes.map((node) => ({
        id: node.id,
        ...(node.weight === undefined ? {} : { weight: node.weight }),
      })),
      strategy,
    });
    nodes.forEach((node, index) => {
      const handle = openNode(node, `nodes[${index}]`, this.#connectionOptions, issues);
      if (handle) this.#handles.set(node.id, handle);
    });
    if (issues.length > 0) {
      for (const handle of this.#handles.values()) {
        if (handle.owned) void handle.connection.close().catch(() => undefined);
      }
      throw new ConfigError(issues);
    }
    this.mode = clusterNodes.length > 0 ? 'cluster' : 'partitioned';
    const only = nodes[0];
    this.#cluster =
      this.mode === 'cluster' && only
        ? new ClusterView(this.#handle(only.id).connection)
        : undefined;
  }

  get layout(): NormalizedLayout {
    return this.#current.layout;
  }

  get migratingPlan(): RebalancePlan | undefined {
    return this.#plan;
  }

  #handle(id: string): NodeHandle {
    const handle = this.#handles.get(id);
    if (handle === undefined) {
      throw new ConfigError([
        {
          variable: 'nodeId',
          message: `"${id}" is not a node of this instance; known: ${[...this.#handles.keys()].map((known) => JSON.stringify(known)).join(', ')}`,
        },
      ]);
    }
    return handle;
  }

  #client(id: string): Redis {
    return this.#handle(id).connection.client as Redis;
  }

  nodeForKey(key: string): string {
    return this.#current.nodeFor(key);
  }

  getConnectionForKey(key: string): Redis | Cluster {
    if (this.#cluster) return this.#cluster.client;
    return this.#client(this.#current.nodeFor(key));
  }

  async resolveConnectionForKey(key: string): Promise<Redis | Cluster> {
    const owner = this.#cluster ? undefined : this.#current.nodeFor(key);
    if (owner === undefined) return this.getConnectionForKey(key);
    await this.#moveOnDemand([key]);
    return this.#client(owner);
  }

  connectionOf(nodeId: string): RedisConnection {
    return this.#handle(nodeId).connection;
  }

  /** During a migration: old owner of `key` when it differs from the new one. */
  #oldOwner(key: string, owner: string): string | undefined {
    if (!this.#previous) return undefined;
    const old = this.#previous.route(key);
    return typeof old === 'string' && old !== owner ? old : undefined;
  }

  /** During a migration, moves the keys still on their old owner to the new one. */
  async #moveOnDemand(keys: readonly string[]): Promise<void> {
    const transfers = this.#transfers;
    if (!this.#previous || !transfers) return;
    const moving: Array<{ key: string; from: string; to: string }> = [];
    for (const key of new Set(keys)) {
      const owner = this.#current.route(key);
      if (typeof owner !== 'string') continue;
      const old = this.#oldOwner(key, owner);
      if (old !== undefined) moving.push({ key, from: old, to: owner });
    }
    const pairs = groupBy(moving, (entry) => `${entry.from}\u0000${entry.to}`);
    await Promise.all(
      [...pairs.values()].map((entries) => {
        const first = entries[0];
        if (!first) return undefined;
        return transfers.move(
          first.from,
          first.to,
          entries.map((entry) => entry.key),
        );
      }),
    );
  }

  async get(key: string): Promise<string | null> {
    if (this.#cluster) return this.#cluster.client.get(key);
    const owner = this.#current.nodeFor(key);
    const value = await this.#client(owner).get(key);
    if (value !== null) return value;
    const old = this.#oldOwner(key, owner);
    if (old === undefined) return value;
    const fallback = await this.#client(old).get(key);
    // Missing on both: it may have moved between the two reads; the new owner has it then.
    return fallback ?? this.#client(owner).get(key);
  }

  async set(key: string, value: RedisArgument, options: { ttlMs?: number } = {}): Promise<void> {
    const client = this.getConnectionForKey(key);
    if (options.ttlMs === undefined) await client.set(key, value);
    else await client.set(key, value, 'PX', options.ttlMs);
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    const values: (string | null)[] = new Array(keys.length).fill(null);
    if (keys.length === 0) return values;
    const indexes = keys.map((key, index) => ({ key, index }));
    if (this.#cluster) {
      const cluster = this.#cluster;
      await Promise.all(
        [...groupBy(indexes, (entry) => String(cluster.slotOf(entry.key))).values()].map(
          async (group) => {
            const found = await cluster.client.mget(group.map((entry) => entry.key));
            group.forEach((entry, position) => {
              values[entry.index] = found[position] ?? null;
            });
          },
        ),
      );
      return values;
    }
    const read = async (
      entries: Array<{ key: string; index: number }>,
      node: (key: string) => string,
    ) => {
      await Promise.all(
        [...groupBy(entries, (entry) => node(entry.key))].map(async ([id, group]) => {
          const found = await this.#client(id).mget(group.map((entry) => entry.key));
          group.forEach((entry, position) => {
            values[entry.index] = found[position] ?? null;
          });
        }),
      );
    };
    await read(indexes, (key) => this.#current.nodeFor(key));
    if (!this.#previous) return values;
    const misses = indexes.filter(
      (entry) =>
        values[entry.index] === null &&
        this.#oldOwner(entry.key, this.#current.nodeFor(entry.key)) !== undefined,
    );
    if (misses.length === 0) return values;
    await read(misses, (key) => this.#oldOwner(key, this.#current.nodeFor(key)) ?? '');
    const stillMissing = misses.filter((entry) => values[entry.index] === null);
    if (stillMissing.length > 0) await read(stillMissing, (key) => this.#current.nodeFor(key));
    return values;
  }

  async mset(
    entries: Iterable<readonly [string, RedisArgument]> | Readonly<Record<string, RedisArgument>>,
    options: { ttlMs?: number } = {},
  ): Promise<void> {
    const list: Array<readonly [string, RedisArgument]> =
      Symbol.iterator in entries
        ? [...(entries as Iterable<readonly [string, RedisArgument]>)]
        : Object.entries(entries as Readonly<Record<string, RedisArgument>>);
    if (list.length === 0) return;
    const ttlMs = options.ttlMs;
    if (this.#cluster) {
      const cluster = this.#cluster;
      await Promise.all(
        [...groupBy(list, ([key]) => String(cluster.slotOf(key))).values()].map(async (group) => {
          if (ttlMs === undefined) {
            await cluster.client.mset(...group.flat());
            return;
          }
          const pipeline = cluster.client.pipeline();
          for (const [key, value] of group) pipeline.set(key, value, 'PX', ttlMs);
          for (const [error] of await execPipeline(pipeline)) if (error) throw error;
        }),
      );
      return;
    }
    await Promise.all(
      [...groupBy(list, ([key]) => this.#current.nodeFor(key))].map(async ([id, group]) => {
        const client = this.#client(id);
        if (ttlMs === undefined) {
          await client.mset(...group.flat());
          return;
        }
        const pipeline = client.pipeline();
        for (const [key, value] of group) pipeline.set(key, value, 'PX', ttlMs);
        for (const [error] of await execPipeline(pipeline)) if (error) throw error;
      }),
    );
  }

  async del(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    if (list.length === 0) return 0;
    if (this.#cluster) {
      const cluster = this.#cluster;
      const counts = await Promise.all(
        [...groupBy(list, (key) => String(cluster.slotOf(key))).values()].map((group) =>
          cluster.client.del(...group),
        ),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    }
    // Keys that may still be on their old owner: delete there first, then on the new owner,
    // so a concurrent move (which copies before it deletes) cannot bring them back.
    const moving = list.filter(
      (key) => this.#oldOwner(key, this.#current.nodeFor(key)) !== undefined,
    );
    const movingSet = new Set(moving);
    const stable = list.filter((key) => !movingSet.has(key));
    let count = 0;
    const counts = await Promise.all(
      [...groupBy(stable, (key) => this.#current.nodeFor(key))].map(([id, group]) =>
        this.#client(id).del(...group),
      ),
    );
    count += counts.reduce((sum, value) => sum + value, 0);
    if (moving.length > 0) {
      const deletedOld = new Set<string>();
      await Promise.all(
        [...groupBy(moving, (key) => this.#oldOwner(key, this.#current.nodeFor(key)) ?? '')].map(
          async ([id, group]) => {
            const pipeline = this.#client(id).pipeline();
            for (const key of group) pipeline.del(key);
            const replies = await execPipeline(pipeline);
            group.forEach((key, index) => {
              const [error, reply] = replies[index] ?? [null, 0];
              if (error) throw error;
              if (reply === 1) deletedOld.add(key);
            });
          },
        ),
      );
      await Promise.all(
        [...groupBy(moving, (key) => this.#current.nodeFor(key))].map(async ([id, group]) => {
          const pipeline = this.#client(id).pipeline();
          for (const key of group) pipeline.del(key);
          const replies = await execPipeline(pipeline);
          group.forEach((key, index) => {
            const [error, reply] = replies[index] ?? [null, 0];
            if (error) throw error;
            if (reply === 1 || deletedOld.has(key)) count++;
          });
        }),
      );
    }
    return count;
  }

  pipeline(): PartitionedPipeline {
    return new PartitionedPipeline((commands) => this.#execute(commands));
  }

  async #execute(commands: readonly QueuedCommand[]): Promise<PipelineReply[]> {
    const replies: PipelineReply[] = new Array(commands.length);
    const indexed = commands.map((command, index) => ({ command, index }));
    let groups: Map<string, typeof indexed>;
    let clientOf: (group: string) => Redis | Cluster;
    if (this.#cluster) {
      const cluster = this.#cluster;
      groups = groupBy(indexed, (entry) => cluster.groupOf(entry.command.key));
      clientOf = () => cluster.client;
    } else {
      await this.#moveOnDemand(commands.map((command) => command.key));
      groups = groupBy(indexed, (entry) => this.#current.nodeFor(entry.command.key));
      clientOf = (id) => this.#client(id);
    }
    await Promise.all(
      [...groups].map(async ([group, entries]) => {
        const pipeline = clientOf(group).pipeline();
        for (const { command } of entries) pipeline.call(command.name, ...command.args);
        const results = await execPipeline(pipeline);
        entries.forEach((entry, position) => {
          replies[entry.index] = results[position] ?? [null, null];
        });
      }),
    );
    return replies;
  }

  /** Keys on a node, RedGrid's reserved key excluded. */
  async #countKeys(id: string): Promise<number> {
    const client = this.#client(id);
    const [size, reserved] = await Promise.all([client.dbsize(), client.exists(checkpointKey)]);
    return size - reserved;
  }

  async analyzeDistribution(options: AnalyzeDistributionOptions = {}): Promise<DistributionReport> {
    const statsOptions =
      this.#hotThreshold === undefined ? {} : { hotThreshold: this.#hotThreshold };
    if (this.#cluster) return this.#cluster.analyze(options, statsOptions);
    const counts = new Map<string, number>(this.#current.layout.nodes.map((node) => [node.id, 0]));
    let counted: DistributionReport['counted'];
    if (options.sample !== undefined) {
      counted = 'sample';
      for (const key of options.sample) {
        const owner = this.#current.route(key);
        if (typeof owner === 'string') counts.set(owner, (counts.get(owner) ?? 0) + 1);
      }
    } else if (options.match !== undefined) {
      counted = 'scan';
      const match = options.match;
      await Promise.all(
        this.#current.layout.nodes.map(async (node) => {
          let total = 0;
          for await (const page of scanKeys(this.#client(node.id), {
            count: 1000,
            match,
          })) {
            total += page.keys.length;
          }
          counts.set(node.id, total);
        }),
      );
    } else {
      counted = 'dbsize';
      await Promise.all(
        this.#current.layout.nodes.map(async (node) => {
          counts.set(node.id, await this.#countKeys(node.id));
        }),
      );
    }
    return {
      ...computeDistributionStats(counts, this.#current.expectedShares(), statsOptions),
      mode: 'partitioned',
      counted,
      cluster: undefined,
    };
  }

  async validate(options: ValidateOptions = {}): Promise<ValidationReport> {
    const maxReported = options.maxReported ?? 100;
    const scanCount = options.scanCount ?? 1000;
    if (this.#cluster)
      return this.#cluster.validate({
        maxReported,
        scanCount,
        match: options.match,
      });
    const ids = new Set(this.#current.layout.nodes.map((node) => node.id));
    for (const node of this.#previous?.layout.nodes ?? []) ids.add(node.id);
    const keysPerNode: Record<string, number> = {};
    const misplaced: Array<{
      key: string;
      node: string;
      expectedNode: string;
    }> = [];
    const unroutable: Array<{ key: string; node: string }> = [];
    let misplacedCount = 0;
    let unroutableCount = 0;
    let scannedKeys = 0;
    // Misplaced keys are checked on their owner in batches, to count duplicates.
    let duplicateCount = 0;
    const duplicates = new Set<string>();
    const checkOwners = async (
      batch: Array<{ key: string; node: string; expectedNode: string }>,
    ) => {
      await Promise.all(
        [...groupBy(batch, (entry) => entry.expectedNode)].map(async ([owner, group]) => {
          const pipeline = this.#client(owner).pipeline();
          for (const entry of group) pipeline.exists(entry.key);
          const replies = await execPipeline(pipeline);
          group.forEach((entry, index) => {
            if (replies[index]?.[1] === 1) {
              duplicateCount++;
              if (duplicates.size < maxReported) duplicates.add(`${entry.node}\u0000${entry.key}`);
            }
          });
        }),
      );
    };
    await Promise.all(
      [...ids].map(async (id) => {
        let found = 0;
        for await (const page of scanKeys(this.#client(id), {
          count: scanCount,
          match: options.match,
        })) {
          found += page.keys.length;
          const wrong: Array<{
            key: string;
            node: string;
            expectedNode: string;
          }> = [];
          for (const key of page.keys) {
            const owner = this.#current.route(key);
            if (typeof owner !== 'string') {
              unroutableCount++;
              if (unroutable.length < maxReported) unroutable.push({ key, node: id });
            } else if (owner !== id) {
              misplacedCount++;
              const entry = { key, node: id, expectedNode: owner };
              wrong.push(entry);
              if (misplaced.length < maxReported) misplaced.push(entry);
            }
          }
          if (wrong.length > 0) await checkOwners(wrong);
        }
        keysPerNode[id] = found;
        scannedKeys += found;
      }),
    );
    const report: MisplacedKey[] = misplaced.map((entry) => ({
      ...entry,
      duplicate: duplicates.has(`${entry.node}\u0000${entry.key}`),
    }));
    return {
      valid: misplacedCount === 0 && unroutableCount === 0,
      scannedKeys,
      keysPerNode,
      misplacedCount,
      duplicateCount,
      unroutableCount,
      misplaced: report,
      unroutable,
    };
  }

  health(): PartitionedHealth {
    const members = new Set(this.#current.layout.nodes.map((node) => node.id));
    const previous = new Set(this.#previous?.layout.nodes.map((node) => node.id) ?? []);
    const nodes: PartitionNodeHealth[] = [...this.#handles.values()].map((handle) => {
      const role: PartitionNodeHealth['role'] = members.has(handle.id)
        ? this.#previous && !previous.has(handle.id)
          ? 'joining'
          : 'member'
        : previous.has(handle.id)
          ? 'leaving'
          : 'pending';
      return {
        id: handle.id,
        role,
        healthy: handle.connection.isHealthy(),
        health: handle.connection.health(),
      };
    });
    const serving = nodes.filter((node) => node.role !== 'pending');
    const unservedNodes = serving.filter((node) => !node.healthy).map((node) => node.id);
    const healthyCount = serving.length - unservedNodes.length;
    return {
      status:
        unservedNodes.length === 0 ? 'healthy' : healthyCount === 0 ? 'unhealthy' : 'degraded',
      allPartitionsServed: unservedNodes.length === 0,
      unservedNodes,
      nodes,
      migratingPlanId: this.#plan?.id,
    };
  }

  async planRebalance(
    newNodes: readonly PartitionNodeDefinition[],
    options: PlanRebalanceOnNodesOptions = {},
  ): Promise<RebalancePlan> {
    if (this.#cluster) {
      throw new ClusterModeError({
        operation: 'planRebalance',
        message: `planRebalance does not apply to a Redis Cluster: ${clusterRedisCliHint}`,
      });
    }
    if (this.#plan) {
      throw new MigrationError({
        reason: 'busy',
        planId: this.#plan.id,
        message: `A migration (plan ${this.#plan.id}) is in progress; finish it (migrate the same plan again) before planning another`,
      });
    }
    const target = {
      nodes: newNodes.map((node) => ({
        id: node.id,
        ...(node.weight === undefined ? {} : { weight: node.weight }),
      })),
      strategy: options.strategy ?? this.#current.layout.strategy,
    };
    // Validate the new layout before opening anything.
    createPartitioner(target);
    const issues: ConfigIssue[] = [];
    newNodes.forEach((node, index) => {
      if (this.#handles.has(node.id)) return;
      const handle = openNode(node, `newNodes[${index}]`, this.#connectionOptions, issues);
      if (handle) this.#handles.set(node.id, handle);
    });
    if (issues.length > 0) throw new ConfigError(issues);

    const current = this.#current.layout;
    if (options.exact) {
      const pages = await Promise.all(
        current.nodes.map(async (node) => {
          const keys: string[] = [];
          for await (const page of scanKeys(this.#client(node.id), {
            count: 1000,
            match: options.match,
          })) {
            for (const key of page.keys) keys.push(key);
          }
          return { node: node.id, keys };
        }),
      );
      function* located(): Generator<LocatedKey> {
        for (const page of pages) for (const key of page.keys) yield { key, node: page.node };
      }
      return planRebalance(current, target, { keys: located() });
    }
    const counts = new Map<string, number>();
    await Promise.all(
      current.nodes.map(async (node) => {
        counts.set(node.id, await this.#countKeys(node.id));
      }),
    );
    return planRebalance(current, target, { nodeKeyCounts: counts });
  }

  #transferNodes() {
    return {
      clientOf: (id: string) => this.#client(id),
      migrateTargetOf: (id: string) => this.#migrateTarget(id),
    };
  }

  async #migrateTarget(id: string): Promise<MigrateTarget | undefined> {
    const { connection, config } = this.#handle(id);
    // Without the config the credentials and TLS settings are unknown: copy through the client.
    if (config === undefined || config.type === 'cluster' || config.options.tls !== undefined) {
      return undefined;
    }
    const credentials = {
      username: config.options.username,
      password: config.options.password?.reveal(),
    };
    if (config.type === 'single') {
      return {
        host: config.options.host,
        port: config.options.port,
        db: config.options.db,
        ...credentials,
      };
    }
    // Sentinel group: the master as resolved now.
    await connection.client.ping();
    const master = connection.health().currentMaster;
    if (master === undefined) return undefined;
    return {
      host: master.host,
      port: master.port,
      db: config.options.db,
      ...credentials,
    };
  }

  #requireNodes(plan: RebalancePlan): void {
    const missing = [...plan.from.nodes, ...plan.to.nodes]
      .map((node) => node.id)
      .filter((id) => !this.#handles.has(id));
    if (missing.length > 0) {
      throw new MigrationError({
        reason: 'unknown-node',
        planId: plan.id,
        message: `Plan ${plan.id} uses node(s) ${[...new Set(missing)].map((id) => JSON.stringify(id)).join(', ')} whose connection settings this instance does not have; make the plan with planRebalance(newNodes) on this instance`,
      });
    }
  }

  followMigration(plan: RebalancePlan): void {
    if (this.#cluster) {
      throw new ClusterModeError({
        operation: 'followMigration',
        message: `followMigration does not apply to a Redis Cluster: ${clusterRedisCliHint}`,
      });
    }
    if (this.#plan?.id === plan.id) return;
    if (this.#plan || layoutId(this.#current.layout) !== layoutId(plan.from)) {
      throw new MigrationError({
        reason: this.#plan ? 'busy' : 'stale-plan',
        planId: plan.id,
        message: this.#plan
          ? `Another migration (plan ${this.#plan.id}) is in progress in this instance`
          : `Plan ${plan.id} starts from another layout than this instance's; make a new plan with planRebalance`,
      });
    }
    this.#requireNodes(plan);
    this.#previous = createPartitioner(plan.from);
    this.#current = createPartitioner(plan.to);
    this.#plan = plan;
    this.#transfers = new Transfers(this.#transferNodes(), 'auto', 10_000, this.#locks);
  }

  async completeMigration(plan: RebalancePlan): Promise<void> {
    if (this.#plan?.id !== plan.id) {
      if (layoutId(this.#current.layout) === layoutId(plan.to)) return;
      throw new MigrationError({
        reason: 'stale-plan',
        planId: plan.id,
        message: `Plan ${plan.id} is not being migrated by this instance; call followMigration(plan) or migrate(plan) first`,
      });
    }
    const keep = new Set(plan.to.nodes.map((node) => node.id));
    this.#previous = undefined;
    this.#plan = undefined;
    this.#transfers = undefined;
    const leaving = plan.from.nodes.filter((node) => !keep.has(node.id));
    await Promise.all(
      leaving.map(async (node) => {
        const handle = this.#handles.get(node.id);
        this.#handles.delete(node.id);
        if (handle?.owned) await handle.connection.close();
      }),
    );
  }

  migrate(plan: RebalancePlan, options: MigrateOptions = {}): Promise<MigrationResult> {
    if (options.dryRun === true) return this.#migrate(plan, options);
    return publishAct(
      'partition-migration',
      () => this.#migrate(plan, options),
      (result) => ({ planId: plan.id, movedKeys: result.movedKeys }),
    );
  }

  async #migrate(plan: RebalancePlan, options: MigrateOptions): Promise<MigrationResult> {
    if (this.#cluster) {
      throw new ClusterModeError({
        operation: 'migrate',
        message: `migrate does not apply to a Redis Cluster: ${clusterRedisCliHint}`,
      });
    }
    if (this.#running) {
      throw new MigrationError({
        reason: 'busy',
        planId: plan.id,
        message: 'Another migrate() call is running in this instance; wait for it',
      });
    }
    const dryRun = options.dryRun ?? false;
    const following = this.#plan?.id === plan.id;
    if (!following && !this.#plan && layoutId(this.#current.layout) === layoutId(plan.to)) {
      return {
        planId: plan.id,
        dryRun,
        resumed: false,
        previouslyMovedKeys: 0,
        alreadyApplied: true,
        scannedKeys: 0,
        movedKeys: 0,
        alreadyOnTarget: 0,
        expiredKeys: 0,
        vanishedKeys: 0,
        unroutableKeys: 0,
        moves: [],
        conflicts: [],
        transfers: [],
        elapsedMs: 0,
        keysPerSecond: 0,
      };
    }
    if (!following && (this.#plan || layoutId(this.#current.layout) !== layoutId(plan.from))) {
      throw new MigrationError({
        reason: this.#plan ? 'busy' : 'stale-plan',
        planId: plan.id,
        message: this.#plan
          ? `Another migration (plan ${this.#plan.id}) is in progress; migrate that plan to finish it first`
          : `Plan ${plan.id} starts from another layout than the current one; make a new plan with planRebalance`,
      });
    }
    this.#requireNodes(plan);
    this.#running = true;
    try {
      if (!dryRun) {
        this.followMigration(plan);
        this.#emit('migrationStart', plan);
      }
      const store: CheckpointStore =
        options.checkpointStore ?? redisCheckpointStore((id) => this.#client(id));
      const transfers = new Transfers(
        this.#transferNodes(),
        options.transfer ?? 'auto',
        options.migrateTimeoutMs ?? 10_000,
        this.#locks,
      );
      if (!dryRun) this.#transfers = transfers;
      const result = await runMigration({
        plan,
        target: dryRun ? createPartitioner(plan.to) : this.#current,
        clientOf: (id) => this.#client(id),
        transfers,
        store,
        options,
        emit: (progress: MigrationProgress) => {
          options.onProgress?.(progress);
          this.#emit('migrationProgress', progress);
          if (!dryRun) {
            publish('redgrid:migration', {
              kind: 'partition',
              phase: 'progress',
              done: progress.movedKeys,
              ...(progress.estimatedKeysToMove === undefined
                ? {}
                : { total: progress.estimatedKeysToMove }),
              unit: 'keys',
            });
          }
        },
      });
      if (!dryRun) {
        await this.completeMigration(plan);
        this.#emit('migrationComplete', result);
      }
      return result;
    } finally {
      this.#running = false;
    }
  }

  on<E extends keyof PartitionedRedisEvents>(
    event: E,
    listener: PartitionedRedisEvents[E],
  ): () => void {
    return this.#events.on(event, listener);
  }

  #emit<E extends keyof PartitionedRedisEvents>(
    event: E,
    ...args: Parameters<PartitionedRedisEvents[E]>
  ): void {
    this.#events.emit(event, ...args);
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.clear();
    await Promise.all(
      [...this.#handles.values()]
        .filter((handle) => handle.owned)
        .map((handle) => handle.connection.close(options)),
    );
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
 * connects until the first command.
 */
export function createPartitionedRedis(options: PartitionedRedisOptions): PartitionedRedis {
  return new PartitionedRedisImpl(options);
}
