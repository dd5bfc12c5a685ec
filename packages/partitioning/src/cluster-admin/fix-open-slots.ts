import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import type { AdminSession } from './admin-session.js';
import type { ClusterNodeInfo, ClusterSnapshot } from './cluster-snapshot.js';
import { countKeysInSlots } from './count-keys-in-slots.js';
import type { SlotMover } from './slot-mover.js';

/** How one half-moved slot is (or would be) settled. */
export interface SlotFix {
  readonly slot: number;
  /** Owner now (node id). */
  readonly owner: string;
  /** Owner once fixed: the interrupted move's target when it can be finished, else the owner. */
  readonly finalOwner: string;
  /**
   * `resume`: finish the interrupted move (remaining keys to `finalOwner`, then ownership);
   * `close`: keep the owner and close the migrating / importing states.
   */
  readonly action: 'resume' | 'close';
  /** Keys the owner still holds in the slot. */
  readonly ownerKeys: number;
  /** Other masters holding keys of the slot (moved to `finalOwner`, never overwriting it). */
  readonly strays: readonly { readonly node: string; readonly keys: number }[];
}

/** What fixing did (or, in a dry run, would do). */
export interface FixResult {
  readonly fixes: readonly SlotFix[];
  /** Keys found on a node that does not own their slot while the owner has them too: left on both. */
  readonly conflicts: readonly {
    readonly slot: number;
    readonly node: string;
    readonly keys: readonly string[];
  }[];
  readonly keysMoved: number;
  readonly warnings: readonly string[];
}

/** Keys per node for each open slot: node id -> slot -> count. */
export type OpenSlotKeys = ReadonlyMap<string, ReadonlyMap<number, number>>;

/**
 * Decides how to settle each open slot (pure). The rule, like `redis-cli --cluster fix` but
 * always toward finishing: if the owner migrates the slot to a reachable master, or exactly one
 * master imports it from the owner, the move is resumed; otherwise the owner keeps it and the
 * half-open states are closed. Keys on other masters are moved to the final owner without
 * overwriting it (its copy is the one clients were served). Throws `ClusterAdminError`
 * (`unfixable`) for a slot without owner.
 */
export function planSlotFixes(snapshot: ClusterSnapshot, keys: OpenSlotKeys): SlotFix[] {
  const byId = new Map(snapshot.masters.map((node) => [node.id, node]));
  const reachable = (id: string | undefined): ClusterNodeInfo | undefined => {
    const node = id === undefined ? undefined : byId.get(id);
    return node?.reachable ? node : undefined;
  };
  return snapshot.openSlots.map((slot) => {
    const ownerId = snapshot.slotOwners[slot];
    const owner = reachable(ownerId);
    if (owner === undefined) {
      throw new ClusterAdminError({
        reason: 'unfixable',
        message: `Slot ${slot} is half-moved and has no reachable owner${ownerId ? ` (${ownerId.slice(0, 8)})` : ''}; bring the owner back, or fix it with redis-cli --cluster fix`,
      });
    }
    const target = reachable(owner.migrating.find((marker) => marker.slot === slot)?.nodeId);
    const importers = snapshot.masters.filter((node) =>
      node.importing.some((marker) => marker.slot === slot && marker.nodeId === owner.id),
    );
    let finalOwner = owner;
    if (target && target.id !== owner.id) finalOwner = target;
    else if (importers.length === 1 && importers[0]?.reachable) finalOwner = importers[0];
    const count = (node: string) => keys.get(node)?.get(slot) ?? 0;
    const strays = snapshot.masters
      .filter((node) => node.id !== owner.id && node.id !== finalOwner.id && count(node.id) > 0)
      .map((node) => ({ node: node.id, keys: count(node.id) }));
    return {
      slot,
      owner: owner.id,
      finalOwner: finalOwner.id,
      action: finalOwner.id === owner.id ? 'close' : 'resume',
      ownerKeys: count(owner.id),
      strays,
    };
  });
}

/** Counts, on every reachable master, the keys of each open slot. */
export async function countOpenSlotKeys(
  session: AdminSession,
  snapshot: ClusterSnapshot,
): Promise<Map<string, Map<number, number>>> {
  const counts = new Map<string, Map<number, number>>();
  if (snapshot.openSlots.length === 0) return counts;
  await Promise.all(
    snapshot.masters
      .filter((node) => node.reachable)
      .map(async (node) => {
        counts.set(
          node.id,
          await countKeysInSlots(session.client(node), snapshot.openSlots, node.address),
        );
      }),
  );
  return counts;
}

/** Executes `fixes`, grouping slots that share owner and final owner into batches. */
export async function applySlotFixes(
  snapshot: ClusterSnapshot,
  mover: SlotMover,
  fixes: readonly SlotFix[],
): Promise<FixResult> {
  const byId = new Map(snapshot.masters.map((node) => [node.id, node]));
  const node = (id: string): ClusterNodeInfo => {
    const found = byId.get(id);
    if (!found)
      throw new ClusterAdminError({
        reason: 'stale',
        message: `Node ${id} left the cluster during the fix; run it again`,
      });
    return found;
  };
  const openOn = (nodeId: string, slot: number) => {
    const info = byId.get(nodeId);
    return (
      info !== undefined &&
      (info.migrating.some((marker) => marker.slot === slot) ||
        info.importing.some((marker) => marker.slot === slot))
    );
  };
  const masters = snapshot.masters.filter((master) => master.reachable);
  const conflicts: Array<{ slot: number; node: string; keys: string[] }> = [];
  const warnings: string[] = [];
  let keysMoved = 0;

  // Keys on third nodes first (rare): each to the final owner, never overwriting it.
  for (const fix of fixes) {
    for (const stray of fix.strays) {
      const result = await mover.drain(node(stray.node), node(fix.finalOwner), [fix.slot], 'never');
      keysMoved += result.moved;
      if (result.conflicts.length > 0) {
        conflicts.push({ slot: fix.slot, node: node(stray.node).address, keys: result.conflicts });
      }
    }
  }
  const groups = new Map<string, SlotFix[]>();
  for (const fix of fixes) {
    const key = `${fix.action}:${fix.owner}:${fix.finalOwner}`;
    const list = groups.get(key) ?? [];
    list.push(fix);
    groups.set(key, list);
  }
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const owner = node(first.owner);
    const finalOwner = node(first.finalOwner);
    let slots = group.map((fix) => fix.slot);
    if (first.action === 'resume') {
      // Re-declare both ends (harmless when already so), then finish as a normal move.
      const { opened, skipped } = await mover.open(owner, finalOwner, slots);
      for (const { slot, reason } of skipped) warnings.push(`slot ${slot} not resumed: ${reason}`);
      slots = opened;
      const result = await mover.drain(owner, finalOwner, slots, 'on-busy');
      keysMoved += result.moved;
    }
    if (slots.length === 0) continue;
    const assigned = await mover.assign(slots, finalOwner, {
      previousOwner: owner.id === finalOwner.id ? undefined : owner,
      masters,
      openOn,
    });
    warnings.push(...assigned.warnings);
  }
  return { fixes, conflicts, keysMoved, warnings };
}
