import type { Redis } from 'ioredis';
import { MigrationError } from '../errors/migration-error.js';
import { scanKeys } from '../nodes/scan-keys.js';
import type { RebalancePlan } from '../rebalance/rebalance-plan.js';
import type { Partitioner } from '../strategies/create-partitioner.js';
import type { CheckpointStore, MigrationCheckpoint } from './checkpoint-store.js';
import type { MigrateOptions, MigrationProgress, MigrationResult } from './migration-types.js';
import type { MoveOutcome } from './move-keys.js';
import type { Transfers } from './transfers.js';

/** What the migration engine needs from the partitioned instance. */
export interface MigrationEnvironment {
  readonly plan: RebalancePlan;
  /** Router of the plan's target layout. */
  readonly target: Partitioner;
  clientOf(nodeId: string): Redis;
  readonly transfers: Transfers;
  readonly store: CheckpointStore;
  readonly options: MigrateOptions;
  emit(progress: MigrationProgress): void;
}

interface Totals {
  scannedKeys: number;
  movedKeys: number;
  alreadyOnTarget: number;
  expiredKeys: number;
  vanishedKeys: number;
  unroutableKeys: number;
}

/** Source nodes of a plan: every node that gives keys away. */
export function planSources(plan: RebalancePlan): string[] {
  const sources = new Set(plan.moves.map((move) => move.from));
  return plan.from.nodes.map((node) => node.id).filter((id) => sources.has(id));
}

/**
 * Moves every key of the plan's source nodes whose owner in the target layout is another
 * node, one SCAN page at a time, saving a checkpoint (the SCAN cursor) after each page. See
 * `PartitionedRedis.migrate` for the guarantees.
 */
export async function runMigration(environment: MigrationEnvironment): Promise<MigrationResult> {
  const { plan, target, options, store } = environment;
  const batchSize = options.batchSize ?? 500;
  const dryRun = options.dryRun ?? false;
  const startedAt = performance.now();
  const sources = planSources(plan);
  const totals: Totals = {
    scannedKeys: 0,
    movedKeys: 0,
    alreadyOnTarget: 0,
    expiredKeys: 0,
    vanishedKeys: 0,
    unroutableKeys: 0,
  };
  const pairs = new Map<string, { from: string; to: string; keys: number }>();
  const conflicts: string[] = [];
  let resumed = false;
  let previouslyMovedKeys = 0;
  let sourcesDone = 0;
  const estimate = plan.movedKeys ?? sumEstimates(plan);

  const progress = (source: string): MigrationProgress => {
    const elapsedMs = performance.now() - startedAt;
    const done = totals.movedKeys + totals.alreadyOnTarget + previouslyMovedKeys;
    return {
      planId: plan.id,
      dryRun,
      source,
      sourcesDone,
      sourcesTotal: sources.length,
      ...totals,
      estimatedKeysToMove: estimate,
      fractionDone:
        estimate === undefined ? undefined : estimate === 0 ? 1 : Math.min(1, done / estimate),
      elapsedMs,
      keysPerSecond: elapsedMs === 0 ? 0 : (totals.movedKeys * 1000) / elapsedMs,
    };
  };

  let failure: unknown;
  const migrateSource = async (source: string) => {
    const checkpoint = dryRun || options.restart ? undefined : await store.load(plan.id, source);
    if (checkpoint) {
      resumed = true;
      previouslyMovedKeys += checkpoint.movedKeys;
    }
    if (checkpoint?.done) {
      sourcesDone++;
      return;
    }
    const client = environment.clientOf(source);
    const firstStartedAt = checkpoint?.startedAt ?? Date.now();
    let scanned = checkpoint?.scannedKeys ?? 0;
    let moved = checkpoint?.movedKeys ?? 0;
    const pages = scanKeys(client, {
      count: batchSize,
      ...(checkpoint ? { cursor: checkpoint.cursor } : {}),
    });
    for await (const page of pages) {
      const byTarget = new Map<string, string[]>();
      for (const key of page.keys) {
        const owner = target.route(key);
        if (typeof owner !== 'string') {
          totals.unroutableKeys++;
          continue;
        }
        if (owner === source) continue;
        let list = byTarget.get(owner);
        if (!list) {
          list = [];
          byTarget.set(owner, list);
        }
        list.push(key);
      }
      totals.scannedKeys += page.keys.length;
      scanned += page.keys.length;
      for (const [owner, keys] of byTarget) {
        const pairId = `${source}\u0000${owner}`;
        const pair = pairs.get(pairId) ?? { from: source, to: owner, keys: 0 };
        pairs.set(pairId, pair);
        if (dryRun) {
          pair.keys += keys.length;
          continue;
        }
        const outcome: MoveOutcome = await environment.transfers.move(source, owner, keys);
        pair.keys += outcome.moved + outcome.alreadyOnTarget;
        totals.movedKeys += outcome.moved;
        totals.alreadyOnTarget += outcome.alreadyOnTarget;
        totals.expiredKeys += outcome.expired;
        totals.vanishedKeys += outcome.vanished;
        moved += outcome.moved + outcome.alreadyOnTarget;
        for (const key of outcome.conflicts) if (conflicts.length < 100) conflicts.push(key);
      }
      const last = page.cursor === '0';
      if (!dryRun) {
        const next: MigrationCheckpoint = {
          planId: plan.id,
          source,
          cursor: page.cursor,
          done: last,
          scannedKeys: scanned,
          movedKeys: moved,
          startedAt: firstStartedAt,
          updatedAt: Date.now(),
        };
        await store.save(next);
      }
      if (last) sourcesDone++;
      environment.emit(progress(source));
      if (failure !== undefined) return;
      if (options.signal?.aborted && !last) {
        throw new MigrationError(
          {
            reason: 'aborted',
            planId: plan.id,
            movedKeys: totals.movedKeys,
            message: `Migration ${plan.id} aborted after moving ${totals.movedKeys} key(s); the checkpoint is saved: call migrate() with the same plan to resume`,
          },
          { cause: options.signal.reason },
        );
      }
    }
  };

  // Run the sources with bounded concurrency; the first failure stops the others between
  // batches (through a shared abort) and is what the caller sees.
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const queue = [...sources];
  const worker = async () => {
    for (;;) {
      const source = queue.shift();
      if (source === undefined || failure !== undefined) return;
      if (options.signal?.aborted) {
        failure = new MigrationError(
          {
            reason: 'aborted',
            planId: plan.id,
            movedKeys: totals.movedKeys,
            message: `Migration ${plan.id} aborted after moving ${totals.movedKeys} key(s); the checkpoint is saved: call migrate() with the same plan to resume`,
          },
          { cause: options.signal.reason },
        );
        return;
      }
      try {
        await migrateSource(source);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
  if (failure !== undefined) {
    if (MigrationError.isInstance(failure)) throw failure;
    throw new MigrationError(
      {
        reason: 'failed',
        planId: plan.id,
        movedKeys: totals.movedKeys,
        message: `Migration ${plan.id} stopped after moving ${totals.movedKeys} key(s): ${failure instanceof Error ? failure.message : String(failure)}; fix the cause and call migrate() with the same plan to resume from the checkpoint`,
      },
      { cause: failure },
    );
  }
  if (!dryRun) {
    for (const source of sources) await store.clear(plan.id, source);
  }
  const elapsedMs = performance.now() - startedAt;
  return {
    planId: plan.id,
    dryRun,
    resumed,
    previouslyMovedKeys,
    alreadyApplied: false,
    ...totals,
    moves: [...pairs.values()].filter((pair) => pair.keys > 0).sort((a, b) => b.keys - a.keys),
    conflicts,
    transfers: environment.transfers.methods(),
    elapsedMs,
    keysPerSecond: elapsedMs === 0 ? 0 : (totals.movedKeys * 1000) / elapsedMs,
  };
}

function sumEstimates(plan: RebalancePlan): number | undefined {
  let sum = 0;
  for (const move of plan.moves) {
    const keys = move.keys ?? move.estimatedKeys;
    if (keys === undefined) return undefined;
    sum += keys;
  }
  return sum;
}
