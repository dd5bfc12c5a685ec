import { AdminSession, type AdminSessionOptions, type ClusterConnection } from './admin-session.js';
import { checkFixClusterOptions, checkSessionOptions } from './cluster-admin-options.js';
import { assertOperable } from './cluster-operation.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import {
  applySlotFixes,
  countOpenSlotKeys,
  type FixResult,
  planSlotFixes,
} from './fix-open-slots.js';
import { publishAct } from './publish-act.js';
import { SlotMover } from './slot-mover.js';

/**
 * Reads the cluster as every node sees itself: masters and replicas, slot owners, half-moved
 * slots, uncovered slots and unreachable or failing nodes. Read-only; opens (and closes) one
 * admin connection per node. Throws `ClusterAdminError` (`not-cluster`) for a non-cluster
 * connection.
 */
export async function inspectCluster(
  connection: ClusterConnection,
  options: AdminSessionOptions = {},
): Promise<ClusterSnapshot> {
  checkSessionOptions(options);
  const session = AdminSession.open(connection, options);
  try {
    return await session.snapshot();
  } finally {
    await session.close();
  }
}

/** Options of {@link fixCluster}. */
export interface FixClusterOptions extends AdminSessionOptions {
  /** Report what would be done without doing it. */
  readonly dryRun?: boolean;
  /** Keys per MIGRATE. Default 100. */
  readonly keysPerMigrate?: number;
  /** MIGRATE timeout in ms. Default 60 000. */
  readonly migrateTimeoutMs?: number;
}

/**
 * Settles half-moved slots (left by an interrupted rebalance, reshard or crash), like
 * `redis-cli --cluster fix` does for open slots: an interrupted move is finished when its target
 * is known (remaining keys migrated, REPLACE only from the owner, whose copy is the live one),
 * otherwise the owner keeps the slot; stray keys on other masters go to the owner without
 * overwriting it; then every master is told the owner, target first. `rebalanceCluster` does
 * this by itself before planning. Refuses (`unhealthy`) while a master is unreachable.
 */
export function fixCluster(
  connection: ClusterConnection,
  options: FixClusterOptions = {},
): Promise<FixResult> {
  if (options.dryRun) return fix(connection, options);
  return publishAct(
    'cluster-fix',
    () => fix(connection, options),
    (result) => ({ slotsFixed: result.fixes.length, keysMoved: result.keysMoved }),
  );
}

async function fix(connection: ClusterConnection, options: FixClusterOptions): Promise<FixResult> {
  checkFixClusterOptions(options);
  const session = AdminSession.open(connection, options);
  try {
    const snapshot = await session.snapshot();
    assertOperable(snapshot);
    const fixes = planSlotFixes(snapshot, await countOpenSlotKeys(session, snapshot));
    if (options.dryRun || fixes.length === 0) {
      return { fixes, conflicts: [], keysMoved: 0, warnings: [] };
    }
    const mover = new SlotMover(session, {
      keysPerFetch: 1000,
      keysPerMigrate: options.keysPerMigrate ?? 100,
      migrateTimeoutMs: options.migrateTimeoutMs ?? 60_000,
    });
    return await applySlotFixes(snapshot, mover, fixes);
  } finally {
    await session.close();
  }
}
