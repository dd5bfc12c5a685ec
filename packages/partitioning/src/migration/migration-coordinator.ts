import { ConfigError, type ConfigIssue, OptionChecks, publish } from '@redgrid/core';
import { MigrationError } from '../errors/migration-error.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import type {
  PartitionedRedisEvents,
  PartitionNodeDefinition,
  PlanRebalanceOnNodesOptions,
} from '../partitioned-redis/partitioned-redis.js';
import { layoutId } from '../rebalance/plan-id.js';
import { planRebalanceOnNodes } from '../rebalance/plan-rebalance-on-nodes.js';
import type { RebalancePlan } from '../rebalance/rebalance-plan.js';
import type { KeyRouting } from '../routing/key-routing.js';
import { createPartitioner } from '../strategies/create-partitioner.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { KeyLocks } from './key-locks.js';
import { checkMigrateOptions } from './migrate-options.js';
import { migrateTargetOf } from './migrate-target-of.js';
import type { MigrateOptions, MigrationProgress, MigrationResult } from './migration-types.js';
import { redisCheckpointStore } from './redis-checkpoint-store.js';
import { runMigration } from './run-migration.js';
import { type TransferNodes, Transfers } from './transfers.js';

type Emit = <E extends keyof PartitionedRedisEvents>(
  event: E,
  ...args: Parameters<PartitionedRedisEvents[E]>
) => void;

/**
 * The rebalancing side of a partitioned instance (client-side partitions only): plans on the
 * live nodes, switches routing to follow a plan, runs the data migration, and completes it
 * (routing by the target layout, connections of leaving nodes closed). One migration at a time
 * per instance; see `PartitionedRedis.migrate` for the guarantees.
 */
export class MigrationCoordinator {
  readonly #routing: KeyRouting;
  readonly #nodes: NodeRegistry;
  readonly #emit: Emit;
  readonly #locks = new KeyLocks();
  #running = false;

  constructor(routing: KeyRouting, nodes: NodeRegistry, emit: Emit) {
    this.#routing = routing;
    this.#nodes = nodes;
    this.#emit = emit;
  }

  async planRebalance(
    newNodes: readonly PartitionNodeDefinition[],
    options: PlanRebalanceOnNodesOptions,
  ): Promise<RebalancePlan> {
    new OptionChecks().text('match', options.match).throwIfAny();
    const busy = this.#routing.plan;
    if (busy) {
      throw new MigrationError({
        reason: 'busy',
        planId: busy.id,
        message: `A migration (plan ${busy.id}) is in progress; finish it (migrate the same plan again) before planning another`,
      });
    }
    const current = this.#routing.current.layout;
    const target = {
      nodes: newNodes.map((node) => ({
        id: node.id,
        ...(node.weight === undefined ? {} : { weight: node.weight }),
      })),
      strategy: options.strategy ?? current.strategy,
    };
    // Validate the new layout before opening anything.
    createPartitioner(target);
    const issues: ConfigIssue[] = [];
    this.#nodes.add(newNodes, 'newNodes', issues);
    if (issues.length > 0) throw new ConfigError(issues);
    return planRebalanceOnNodes(current, target, (id) => this.#nodes.client(id), options);
  }

  followMigration(plan: RebalancePlan): void {
    const busy = this.#routing.plan;
    if (busy?.id === plan.id) return;
    if (busy || layoutId(this.#routing.current.layout) !== layoutId(plan.from)) {
      throw new MigrationError({
        reason: busy ? 'busy' : 'stale-plan',
        planId: plan.id,
        message: busy
          ? `Another migration (plan ${busy.id}) is in progress in this instance`
          : `Plan ${plan.id} starts from another layout than this instance's; make a new plan with planRebalance`,
      });
    }
    this.#requireNodes(plan);
    this.#routing.follow(
      plan,
      createPartitioner(plan.from),
      createPartitioner(plan.to),
      new Transfers(this.#transferNodes(), 'auto', 10_000, this.#locks),
    );
  }

  async completeMigration(plan: RebalancePlan): Promise<void> {
    if (this.#routing.plan?.id !== plan.id) {
      if (layoutId(this.#routing.current.layout) === layoutId(plan.to)) return;
      throw new MigrationError({
        reason: 'stale-plan',
        planId: plan.id,
        message: `Plan ${plan.id} is not being migrated by this instance; call followMigration(plan) or migrate(plan) first`,
      });
    }
    const keep = new Set(plan.to.nodes.map((node) => node.id));
    this.#routing.complete();
    const leaving = plan.from.nodes.filter((node) => !keep.has(node.id));
    await Promise.all(leaving.map((node) => this.#nodes.remove(node.id)));
  }

  async migrate(plan: RebalancePlan, options: MigrateOptions): Promise<MigrationResult> {
    checkMigrateOptions(options);
    if (this.#running) {
      throw new MigrationError({
        reason: 'busy',
        planId: plan.id,
        message: 'Another migrate() call is running in this instance; wait for it',
      });
    }
    const dryRun = options.dryRun ?? false;
    const busy = this.#routing.plan;
    const following = busy?.id === plan.id;
    const currentId = layoutId(this.#routing.current.layout);
    if (!following && !busy && currentId === layoutId(plan.to)) {
      return alreadyApplied(plan, dryRun);
    }
    if (!following && (busy || currentId !== layoutId(plan.from))) {
      throw new MigrationError({
        reason: busy ? 'busy' : 'stale-plan',
        planId: plan.id,
        message: busy
          ? `Another migration (plan ${busy.id}) is in progress; migrate that plan to finish it first`
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
        options.checkpointStore ?? redisCheckpointStore((id) => this.#nodes.client(id));
      const transfers = new Transfers(
        this.#transferNodes(),
        options.transfer ?? 'auto',
        options.migrateTimeoutMs ?? 10_000,
        this.#locks,
      );
      if (!dryRun) this.#routing.useTransfers(transfers);
      const result = await runMigration({
        plan,
        target: dryRun ? createPartitioner(plan.to) : this.#routing.current,
        clientOf: (id) => this.#nodes.client(id),
        transfers,
        store,
        options,
        emit: (progress: MigrationProgress) => {
          options.onProgress?.(progress);
          this.#emit('migrationProgress', progress);
          if (!dryRun) publishProgress(progress);
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

  #transferNodes(): TransferNodes {
    return {
      clientOf: (id) => this.#nodes.client(id),
      migrateTargetOf: async (id) => migrateTargetOf(this.#nodes.handle(id)),
    };
  }

  #requireNodes(plan: RebalancePlan): void {
    const missing = [...plan.from.nodes, ...plan.to.nodes]
      .map((node) => node.id)
      .filter((id) => !this.#nodes.has(id));
    if (missing.length > 0) {
      throw new MigrationError({
        reason: 'unknown-node',
        planId: plan.id,
        message: `Plan ${plan.id} uses node(s) ${[...new Set(missing)].map((id) => JSON.stringify(id)).join(', ')} whose connection settings this instance does not have; make the plan with planRebalance(newNodes) on this instance`,
      });
    }
  }
}

/** Migration progress on `redgrid:migration`, for metrics and dashboards. */
function publishProgress(progress: MigrationProgress): void {
  publish('redgrid:migration', {
    kind: 'partition',
    phase: 'progress',
    done: progress.movedKeys,
    ...(progress.estimatedKeysToMove === undefined ? {} : { total: progress.estimatedKeysToMove }),
    unit: 'keys',
  });
}

/** The result of migrating a plan whose target layout is already the instance's. */
function alreadyApplied(plan: RebalancePlan, dryRun: boolean): MigrationResult {
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
