import { keySlot, publish } from '@redgrid/core';
import { sampleKeys } from '../analysis/sample-keys.js';
import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import {
  AdminSession,
  type AdminSessionOptions,
  type ClusterConnection,
  describeError,
} from './admin-session.js';
import { checkRebalanceClusterOptions } from './cluster-admin-options.js';
import { assertOperable, runLimited } from './cluster-operation.js';
import {
  type ClusterNodeInfo,
  type ClusterSnapshot,
  clusterSlotCount,
} from './cluster-snapshot.js';
import { countKeysInSlots } from './count-keys-in-slots.js';
import {
  applySlotFixes,
  countOpenSlotKeys,
  type FixResult,
  planSlotFixes,
} from './fix-open-slots.js';
import {
  type ClusterRebalancePlan,
  type PlanClusterRebalanceOptions,
  planClusterRebalance,
} from './plan-cluster-rebalance.js';
import { publishAct } from './publish-act.js';
import { type MoverNode, SlotMover } from './slot-mover.js';

/** Options of {@link rebalanceCluster}. */
export interface RebalanceClusterOptions extends PlanClusterRebalanceOptions, AdminSessionOptions {
  /** Plan (and report half-moved slots) without changing anything. */
  readonly dryRun?: boolean;
  /**
   * Settle half-moved slots (an interrupted rebalance, reshard or crash) before planning, as
   * `redis-cli --cluster fix` would. Default true; false makes open slots an error.
   */
  readonly fix?: boolean;
  /** Slots opened and closed together per master pair (one pipeline each step). Default 256. */
  readonly slotsPerBatch?: number;
  /** Master pairs moving at the same time. Default 8. */
  readonly concurrency?: number;
  /** Keys per `MIGRATE ... KEYS`. Default 100. */
  readonly keysPerMigrate?: number;
  /** Keys fetched per slot per `CLUSTER GETKEYSINSLOT`. Default 1000. */
  readonly keysPerFetch?: number;
  /** MIGRATE timeout (source to target), in ms. Default 60 000. */
  readonly migrateTimeoutMs?: number;
  /** Keys sampled per master for bytes per key (`by: 'memory'`). Default 2000. */
  readonly sampleKeysPerMaster?: number;
  /**
   * Stops between batches: slots in flight are completed first, so nothing is left half-moved;
   * the promise then rejects with `ClusterAdminError` (`aborted`). Run again to continue.
   */
  readonly signal?: AbortSignal;
  /** Called after each phase and each completed batch. */
  readonly onProgress?: (progress: ClusterRebalanceProgress) => void;
}

/** Where a rebalance stands. */
export interface ClusterRebalanceProgress {
  readonly phase: 'fixing' | 'planning' | 'moving' | 'done';
  readonly slotsMoved: number;
  readonly slotsTotal: number;
  readonly keysMoved: number;
  /** Estimated keys to move (from the plan). */
  readonly keysTotal: number | undefined;
  readonly elapsedMs: number;
  readonly keysPerSecond: number;
  /** The batch that just completed (phase `moving`). */
  readonly batch:
    | { readonly from: string; readonly to: string; readonly slots: number }
    | undefined;
}

/** What a rebalance did. */
export interface ClusterRebalanceResult {
  readonly dryRun: boolean;
  readonly plan: ClusterRebalancePlan;
  /** Half-moved slots found first and how they were (or would be) settled. */
  readonly fix: FixResult;
  readonly slotsMoved: number;
  readonly keysMoved: number;
  /** Slots of the plan not moved (their owner changed meanwhile), with the reason. */
  readonly skipped: readonly { readonly slot: number; readonly reason: string }[];
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
  readonly keysPerSecond: number;
  /** Slots per master afterwards (in a dry run: as planned). */
  readonly masters: readonly {
    readonly id: string;
    readonly address: string;
    readonly slots: number;
  }[];
}

const emptyFix: FixResult = { fixes: [], conflicts: [], keysMoved: 0, warnings: [] };

function moverNode(node: ClusterNodeInfo): MoverNode {
  return { id: node.id, host: node.host, port: node.port, address: node.address };
}

/** Keys per slot over the whole cluster (COUNTKEYSINSLOT on each owner, pipelined). */
async function countAllKeys(
  session: AdminSession,
  snapshot: ClusterSnapshot,
): Promise<Uint32Array> {
  const counts = new Uint32Array(clusterSlotCount);
  await Promise.all(
    snapshot.masters
      .filter((node) => node.reachable)
      .map(async (node) => {
        const owned = node.slots.filter((slot) => snapshot.slotOwners[slot] === node.id);
        const found = await countKeysInSlots(session.client(node), owned, node.address);
        for (const [slot, count] of found) counts[slot] = count;
      }),
  );
  return counts;
}

/** Estimated bytes per slot: keys x sampled bytes per key (per slot where sampled, else per master). */
async function estimateBytes(
  session: AdminSession,
  snapshot: ClusterSnapshot,
  keysPerSlot: Uint32Array,
  sampleKeysPerMaster: number,
): Promise<Float64Array> {
  const bytes = new Float64Array(clusterSlotCount);
  await Promise.all(
    snapshot.masters
      .filter((node) => node.reachable && node.slots.length > 0)
      .map(async (node) => {
        const sample = await sampleKeys(session.client(node), {
          maxKeys: sampleKeysPerMaster,
          groupOf: keySlot,
          top: 0,
        });
        const perKey = sample.bytesPerKey ?? 0;
        for (const slot of node.slots) {
          const group = sample.groups.get(slot);
          const slotPerKey = group && group.keys > 0 ? group.bytes / group.keys : perKey;
          bytes[slot] = (keysPerSlot[slot] ?? 0) * slotPerKey;
        }
      }),
  );
  return bytes;
}

/**
 * Grows, shrinks or evens out a live Redis Cluster: settles half-moved slots left by an
 * interrupted run (`fix`), counts keys per slot, plans with {@link planClusterRebalance}, then
 * moves the slots under live traffic (see `SlotMover`: IMPORTING/MIGRATING, batched MIGRATE
 * that keeps TTLs, SETSLOT NODE on the target, the source, then every master), several master
 * pairs at once and a batch of slots per round trip. Resumable: kill it at any point and run it
 * again; it finishes the slots that were in flight and continues with a new plan.
 *
 * Gotchas: run one rebalance at a time per cluster; a master that gives away its last slot
 * becomes a replica of the node that took it (Redis 7 `cluster-allow-replica-migration`), so
 * removing a master is `remove: ['host:port']`, then `CLUSTER FORGET` it (redis-cli
 * `--cluster del-node`). Multi-key commands on keys of a slot being moved can get TRYAGAIN for
 * the few milliseconds the slot is open; ioredis retries them.
 */
export function rebalanceCluster(
  connection: ClusterConnection,
  options: RebalanceClusterOptions = {},
): Promise<ClusterRebalanceResult> {
  if (options.dryRun) return rebalance(connection, options);
  return publishAct(
    'cluster-rebalance',
    () => rebalance(connection, options),
    (result) => ({
      slotsMoved: result.slotsMoved,
      keysMoved: result.keysMoved,
      elapsedMs: Math.round(result.elapsedMs),
    }),
  );
}

async function rebalance(
  connection: ClusterConnection,
  options: RebalanceClusterOptions,
): Promise<ClusterRebalanceResult> {
  checkRebalanceClusterOptions(options);
  const startedAt = performance.now();
  const elapsed = () => performance.now() - startedAt;
  const session = AdminSession.open(connection, options);
  let slotsMoved = 0;
  let keysMoved = 0;
  let slotsTotal = 0;
  let keysTotal: number | undefined;
  const progress = (
    phase: ClusterRebalanceProgress['phase'],
    batch?: ClusterRebalanceProgress['batch'],
  ) => {
    const elapsedMs = elapsed();
    if (!options.dryRun) {
      publish('redgrid:migration', {
        kind: 'cluster',
        phase: phase === 'done' ? 'complete' : 'progress',
        done: slotsMoved,
        total: slotsTotal,
        unit: 'slots',
      });
    }
    options.onProgress?.({
      phase,
      slotsMoved,
      slotsTotal,
      keysMoved,
      keysTotal,
      elapsedMs,
      keysPerSecond: elapsedMs > 0 ? (keysMoved * 1000) / elapsedMs : 0,
      batch,
    });
  };
  try {
    const mover = new SlotMover(session, {
      keysPerFetch: options.keysPerFetch ?? 1000,
      keysPerMigrate: options.keysPerMigrate ?? 100,
      migrateTimeoutMs: options.migrateTimeoutMs ?? 60_000,
    });
    let snapshot = await session.snapshot();
    assertOperable(snapshot);
    let fix = emptyFix;
    if (snapshot.openSlots.length > 0) {
      if (options.fix === false) {
        throw new ClusterAdminError({
          reason: 'open-slots',
          message: `${snapshot.openSlots.length} slot(s) are half-moved (first: ${snapshot.openSlots[0]}); run with fixing on (the default) or fix the cluster first`,
        });
      }
      progress('fixing');
      const fixes = planSlotFixes(snapshot, await countOpenSlotKeys(session, snapshot));
      if (options.dryRun) fix = { ...emptyFix, fixes };
      else {
        fix = await applySlotFixes(snapshot, mover, fixes);
        keysMoved += fix.keysMoved;
        snapshot = await session.snapshot();
        assertOperable(snapshot);
        if (snapshot.openSlots.length > 0) {
          throw new ClusterAdminError({
            reason: 'unfixable',
            message: `${snapshot.openSlots.length} slot(s) are still half-moved after fixing (first: ${snapshot.openSlots[0]}); check the cluster with redis-cli --cluster check`,
            keysMoved,
          });
        }
      }
    }

    progress('planning');
    const keysPerSlot = await countAllKeys(session, snapshot);
    const bytesPerSlot =
      options.by === 'memory'
        ? await estimateBytes(session, snapshot, keysPerSlot, options.sampleKeysPerMaster ?? 2000)
        : undefined;
    const plan = planClusterRebalance(snapshot, {
      ...options,
      keysPerSlot,
      ...(bytesPerSlot ? { bytesPerSlot } : {}),
    });
    slotsTotal = plan.slotsToMove;
    keysTotal = plan.keysToMove;
    const skipped: Array<{ slot: number; reason: string }> = [];
    const warnings: string[] = [...plan.warnings, ...fix.warnings];
    const result = (masters: ClusterRebalanceResult['masters']): ClusterRebalanceResult => {
      const elapsedMs = elapsed();
      return {
        dryRun: options.dryRun ?? false,
        plan,
        fix,
        slotsMoved,
        keysMoved,
        skipped,
        warnings,
        elapsedMs,
        keysPerSecond: elapsedMs > 0 ? (keysMoved * 1000) / elapsedMs : 0,
        masters,
      };
    };
    if (options.dryRun || !plan.needed) {
      progress('done');
      return result(
        plan.masters.map((master) => ({
          id: master.id,
          address: master.address,
          slots: master.slotsAfter,
        })),
      );
    }

    const byId = new Map(snapshot.masters.map((node) => [node.id, node]));
    const masters = snapshot.masters.filter((node) => node.reachable).map(moverNode);
    const batchSize = Math.max(1, options.slotsPerBatch ?? 256);
    let stopping = false;
    const moveBatch = async (source: MoverNode, target: MoverNode, slots: readonly number[]) => {
      const opened = await mover.open(source, target, slots);
      skipped.push(...opened.skipped);
      if (opened.opened.length === 0) return;
      let drained = await mover.drain(source, target, opened.opened, 'on-busy');
      let assigned: { warnings: string[] } | undefined;
      for (let attempt = 0; assigned === undefined; attempt++) {
        try {
          assigned = await mover.assign(opened.opened, target, { previousOwner: source, masters });
        } catch (error) {
          // A key the source still held (reported by SETSLOT NODE): drain again, then retry.
          if (attempt >= 2 || !describeError(error).includes('hold keys')) throw error;
          const again = await mover.drain(source, target, opened.opened, 'on-busy');
          drained = { moved: drained.moved + again.moved, conflicts: [] };
        }
      }
      warnings.push(...assigned.warnings);
      slotsMoved += opened.opened.length;
      keysMoved += drained.moved;
      progress('moving', { from: source.address, to: target.address, slots: opened.opened.length });
    };
    progress('moving');
    try {
      await runLimited(plan.moves, options.concurrency ?? 8, async (move) => {
        const source = byId.get(move.from);
        const target = byId.get(move.to);
        if (!source || !target) return;
        for (let start = 0; start < move.slots.length; start += batchSize) {
          if (stopping || options.signal?.aborted) return;
          try {
            await moveBatch(
              moverNode(source),
              moverNode(target),
              move.slots.slice(start, start + batchSize),
            );
          } catch (error) {
            // Other pairs finish the batch they are in, then stop.
            stopping = true;
            throw error;
          }
        }
      });
    } catch (error) {
      if (ClusterAdminError.isInstance(error)) {
        throw new ClusterAdminError(
          {
            reason: error.reason,
            message: `${error.message} (${slotsMoved} of ${slotsTotal} slots moved; run again to fix the slots in flight and continue)`,
            slotsMoved,
            keysMoved,
          },
          { cause: error },
        );
      }
      throw new ClusterAdminError(
        {
          reason: 'failed',
          message: `Rebalance failed after ${slotsMoved} of ${slotsTotal} slots: ${describeError(error)}; run again to fix the slots in flight and continue`,
          slotsMoved,
          keysMoved,
        },
        { cause: error },
      );
    }
    if (options.signal?.aborted) {
      throw new ClusterAdminError({
        reason: 'aborted',
        message: `Rebalance stopped after ${slotsMoved} of ${slotsTotal} slots (no slot left half-moved); run again to continue`,
        slotsMoved,
        keysMoved,
      });
    }
    const after = await session.snapshot();
    progress('done');
    return result(
      after.masters.map((node) => ({
        id: node.id,
        address: node.address,
        slots: node.slots.filter((slot) => after.slotOwners[slot] === node.id).length,
      })),
    );
  } finally {
    await session.close();
  }
}
