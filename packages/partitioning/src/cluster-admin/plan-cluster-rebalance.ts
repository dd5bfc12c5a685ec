import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import { checkPlanClusterRebalanceOptions } from './cluster-admin-options.js';
import {
  type ClusterNodeInfo,
  type ClusterSnapshot,
  clusterSlotCount,
} from './cluster-snapshot.js';

/** Options of {@link planClusterRebalance} (and of `rebalanceCluster`). */
export interface PlanClusterRebalanceOptions {
  /**
   * What to even out: `slots` (default; what `redis-cli --cluster rebalance` does) or
   * `memory`: estimated bytes per master (keys per slot times sampled bytes per key), for
   * keyspaces whose slots differ in size (big hash tags). Needs `bytesPerSlot`.
   */
  readonly by?: 'slots' | 'memory';
  /**
   * Only rebalance when some master is further than this from its share, in percent (the
   * redis-cli measure: |100 - 100 * expected / actual|). Default 2. A master to drain or an
   * empty master to fill always counts.
   */
  readonly thresholdPercent?: number;
  /** Give slots to masters that have none (after `CLUSTER MEET` / `redis-cli --cluster add-node`). Default false. */
  readonly useEmptyMasters?: boolean;
  /**
   * Relative weight per master (default 1), by node id, id prefix or `host:port`. A weight of 0
   * drains the master; a master with twice the weight gets twice the slots.
   */
  readonly weights?: Readonly<Record<string, number>>;
  /** Masters to drain (weight 0), by node id, id prefix or `host:port`: how a cluster shrinks. */
  readonly remove?: readonly string[];
  /** Keys per slot (index = slot), for estimates; `rebalanceCluster` counts them. */
  readonly keysPerSlot?: ArrayLike<number>;
  /** Estimated bytes per slot (index = slot); required with `by: 'memory'`. */
  readonly bytesPerSlot?: ArrayLike<number>;
}

/** One master before and after a planned rebalance. */
export interface RebalanceMasterPlan {
  readonly id: string;
  readonly address: string;
  readonly weight: number;
  readonly slotsBefore: number;
  readonly slotsAfter: number;
  /** Estimated keys (with `keysPerSlot`), else undefined. */
  readonly keysBefore: number | undefined;
  readonly keysAfter: number | undefined;
  /** Estimated bytes (with `bytesPerSlot`), else undefined. */
  readonly bytesBefore: number | undefined;
  readonly bytesAfter: number | undefined;
  /** Distance to its share before / after, in percent (0 = exactly its share). */
  readonly deviationBeforePercent: number;
  readonly deviationAfterPercent: number;
}

/** Slots that go from one master to another. */
export interface ClusterSlotMove {
  readonly from: string;
  readonly fromAddress: string;
  readonly to: string;
  readonly toAddress: string;
  /** Sorted. */
  readonly slots: readonly number[];
  /** Estimated keys in them (with `keysPerSlot`). */
  readonly keys: number | undefined;
  /** Estimated bytes in them (with `bytesPerSlot`). */
  readonly bytes: number | undefined;
}

/**
 * What a cluster rebalance would do: which slots go from which master to which, and where each
 * master ends. Plain data: print it (`--dry-run`), review it, or hand it to `rebalanceCluster`.
 */
export interface ClusterRebalancePlan {
  readonly by: 'slots' | 'memory';
  readonly thresholdPercent: number;
  /** False when every master is within the threshold: `moves` is empty. */
  readonly needed: boolean;
  readonly masters: readonly RebalanceMasterPlan[];
  readonly moves: readonly ClusterSlotMove[];
  readonly slotsToMove: number;
  readonly keysToMove: number | undefined;
  readonly bytesToMove: number | undefined;
  /** Things to know (a master left out, memory mode without data...). */
  readonly warnings: readonly string[];
}

/** Finds a master by id, id prefix (>= 4 characters) or `host:port`. */
export function findMaster(
  masters: readonly ClusterNodeInfo[],
  name: string,
  option: string,
): ClusterNodeInfo {
  const exact = masters.find((node) => node.id === name || node.address === name);
  if (exact) return exact;
  const prefixed = name.length >= 4 ? masters.filter((node) => node.id.startsWith(name)) : [];
  if (prefixed.length === 1 && prefixed[0]) return prefixed[0];
  const known = masters.map((node) => `${node.address} (${node.id.slice(0, 8)})`).join(', ');
  throw new ClusterAdminError({
    reason: 'unknown-node',
    message: `${option}: ${JSON.stringify(name)} is ${prefixed.length > 1 ? 'an ambiguous id prefix' : 'not a master of this cluster'}; use a master's host:port or node id: ${known}`,
  });
}

function sum(values: ArrayLike<number> | undefined, slots: readonly number[]): number | undefined {
  if (values === undefined) return undefined;
  let total = 0;
  for (const slot of slots) total += values[slot] ?? 0;
  return total;
}

function deviation(actual: number, expected: number): number {
  if (expected <= 0) return actual > 0 ? 100 : 0;
  if (actual <= 0) return 100;
  return Math.abs(100 - (100 * expected) / actual);
}

interface Working {
  node: ClusterNodeInfo;
  weight: number;
  slots: number[];
}

/**
 * Plans a cluster rebalance from a snapshot (pure: no I/O). By slots, each involved master
 * gets `16384 * weight / total weight` slots (remainders to the largest fractions), slots
 * going from the masters with the most surplus to those with the largest deficit, taken from
 * the end of each giver's ranges so ranges stay contiguous. By memory, slots (largest first)
 * go from masters above their share of the estimated bytes to those below, as long as a move
 * brings both closer. Masters without slots take part only with `useEmptyMasters` (or a
 * weight). Throws `ClusterAdminError` (`unknown-node`) for a weight or removal naming no master.
 */
export function planClusterRebalance(
  snapshot: ClusterSnapshot,
  options: PlanClusterRebalanceOptions = {},
): ClusterRebalancePlan {
  checkPlanClusterRebalanceOptions(options);
  const by = options.by ?? 'slots';
  const thresholdPercent = options.thresholdPercent ?? 2;
  const warnings: string[] = [];
  const weights = new Map<string, number>();
  for (const [name, weight] of Object.entries(options.weights ?? {})) {
    weights.set(findMaster(snapshot.masters, name, '--weight').id, weight);
  }
  for (const name of options.remove ?? []) {
    weights.set(findMaster(snapshot.masters, name, '--remove').id, 0);
  }
  const working: Working[] = [];
  for (const node of snapshot.masters) {
    const owned: number[] = [];
    for (const slot of node.slots) if (snapshot.slotOwners[slot] === node.id) owned.push(slot);
    let weight = weights.get(node.id) ?? 1;
    if (owned.length === 0 && !weights.has(node.id) && !options.useEmptyMasters) {
      weight = 0;
      warnings.push(
        `${node.address} has no slots and is left out; pass --use-empty-masters (useEmptyMasters) to fill it`,
      );
    }
    if (owned.length === 0 && weight === 0) continue;
    working.push({ node, weight, slots: owned });
  }
  const totalWeight = working.reduce((total, entry) => total + entry.weight, 0);
  if (totalWeight <= 0) {
    throw new ClusterAdminError({
      reason: 'unknown-node',
      message:
        'Every master would be drained (weight 0); keep at least one master with a weight above 0',
    });
  }
  const bytesPerSlot = options.bytesPerSlot;
  let mode = by;
  if (by === 'memory') {
    const totalBytes = working.reduce(
      (total, entry) => total + (sum(bytesPerSlot, entry.slots) ?? 0),
      0,
    );
    if (bytesPerSlot === undefined || totalBytes <= 0) {
      warnings.push('no data to balance by memory (no bytes counted); balanced by slots instead');
      mode = 'slots';
    }
  }
  const before = new Map(working.map((entry) => [entry.node.id, [...entry.slots]]));
  if (mode === 'slots') planBySlots(working, totalWeight, thresholdPercent);
  else planByMemory(working, totalWeight, thresholdPercent, bytesPerSlot ?? []);
  // One move per slot, from its owner before to its owner after (a slot passed on twice by
  // the memory planner still moves once).
  const ownerBefore = new Map<number, string>();
  for (const [id, slots] of before) for (const slot of slots) ownerBefore.set(slot, id);
  const moves = new Map<string, number[]>();
  for (const entry of working) {
    for (const slot of entry.slots) {
      const from = ownerBefore.get(slot);
      if (from === undefined || from === entry.node.id) continue;
      const key = `${from}>${entry.node.id}`;
      const list = moves.get(key) ?? [];
      list.push(slot);
      moves.set(key, list);
    }
  }

  const measure = (slots: readonly number[]) =>
    mode === 'memory' ? (sum(bytesPerSlot, slots) ?? 0) : slots.length;
  const totalMeasure = working.reduce(
    (total, entry) => total + measure(before.get(entry.node.id) ?? []),
    0,
  );
  const masters: RebalanceMasterPlan[] = working.map((entry) => {
    const slotsBefore = before.get(entry.node.id) ?? [];
    const expected = (totalMeasure * entry.weight) / totalWeight;
    return {
      id: entry.node.id,
      address: entry.node.address,
      weight: entry.weight,
      slotsBefore: slotsBefore.length,
      slotsAfter: entry.slots.length,
      keysBefore: sum(options.keysPerSlot, slotsBefore),
      keysAfter: sum(options.keysPerSlot, entry.slots),
      bytesBefore: sum(bytesPerSlot, slotsBefore),
      bytesAfter: sum(bytesPerSlot, entry.slots),
      deviationBeforePercent: deviation(measure(slotsBefore), expected),
      deviationAfterPercent: deviation(measure(entry.slots), expected),
    };
  });
  const byId = new Map(working.map((entry) => [entry.node.id, entry.node]));
  const slotMoves: ClusterSlotMove[] = [...moves].map(([pair, slots]) => {
    const [from = '', to = ''] = pair.split('>');
    const sorted = [...slots].sort((a, b) => a - b);
    return {
      from,
      fromAddress: byId.get(from)?.address ?? from,
      to,
      toAddress: byId.get(to)?.address ?? to,
      slots: sorted,
      keys: sum(options.keysPerSlot, sorted),
      bytes: sum(bytesPerSlot, sorted),
    };
  });
  slotMoves.sort((a, b) => b.slots.length - a.slots.length);
  const total = (pick: (move: ClusterSlotMove) => number | undefined) =>
    slotMoves.every((move) => pick(move) !== undefined)
      ? slotMoves.reduce((acc, move) => acc + (pick(move) ?? 0), 0)
      : undefined;
  return {
    by: mode,
    thresholdPercent,
    needed: slotMoves.length > 0,
    masters,
    moves: slotMoves,
    slotsToMove: slotMoves.reduce((acc, move) => acc + move.slots.length, 0),
    keysToMove: options.keysPerSlot === undefined ? undefined : total((move) => move.keys),
    bytesToMove: bytesPerSlot === undefined ? undefined : total((move) => move.bytes),
    warnings,
  };
}

/** Adds slots to a master (left unsorted: givers, which need order, never receive). */
function give(to: Working, slots: number[]) {
  for (const slot of slots) to.slots.push(slot);
}

/** Moves slots between `working` entries (mutating their `slots`) to even out slot counts. */
function planBySlots(working: Working[], totalWeight: number, thresholdPercent: number): void {
  const exact = working.map((entry) => (clusterSlotCount * entry.weight) / totalWeight);
  const expected = exact.map(Math.floor);
  let remainder = clusterSlotCount - expected.reduce((a, b) => a + b, 0);
  const order = working
    .map((entry, index) => ({
      index,
      fraction: (exact[index] ?? 0) - (expected[index] ?? 0),
      slots: entry.slots.length,
    }))
    .filter(({ index }) => (working[index]?.weight ?? 0) > 0)
    .sort((a, b) => b.fraction - a.fraction || b.slots - a.slots);
  for (const { index } of order) {
    if (remainder <= 0) break;
    expected[index] = (expected[index] ?? 0) + 1;
    remainder--;
  }
  const over = working.some((entry, index) => {
    const want = expected[index] ?? 0;
    if (entry.slots.length === 0) return want > 1;
    return deviation(entry.slots.length, want) > thresholdPercent;
  });
  if (!over) return;
  const balance = working.map((entry, index) => entry.slots.length - (expected[index] ?? 0));
  const givers = working.map((_, index) => index).filter((index) => (balance[index] ?? 0) > 0);
  const takers = working.map((_, index) => index).filter((index) => (balance[index] ?? 0) < 0);
  givers.sort((a, b) => (balance[b] ?? 0) - (balance[a] ?? 0));
  takers.sort((a, b) => (balance[a] ?? 0) - (balance[b] ?? 0));
  let giverIndex = 0;
  let takerIndex = 0;
  while (giverIndex < givers.length && takerIndex < takers.length) {
    const giver = givers[giverIndex] ?? 0;
    const taker = takers[takerIndex] ?? 0;
    const count = Math.min(balance[giver] ?? 0, -(balance[taker] ?? 0));
    const from = working[giver];
    const to = working[taker];
    if (count > 0 && from && to) {
      give(to, from.slots.splice(from.slots.length - count, count));
      balance[giver] = (balance[giver] ?? 0) - count;
      balance[taker] = (balance[taker] ?? 0) + count;
    }
    if ((balance[giver] ?? 0) <= 0) giverIndex++;
    if ((balance[taker] ?? 0) >= 0) takerIndex++;
  }
}

/** Moves slots between `working` entries (mutating their `slots`) to even out bytes. */
function planByMemory(
  working: Working[],
  totalWeight: number,
  thresholdPercent: number,
  bytesPerSlot: ArrayLike<number>,
): void {
  const bytesOf = (slot: number) => bytesPerSlot[slot] ?? 0;
  const load = working.map((entry) =>
    entry.slots.reduce((total, slot) => total + bytesOf(slot), 0),
  );
  const totalBytes = load.reduce((a, b) => a + b, 0);
  const target = working.map((entry) => (totalBytes * entry.weight) / totalWeight);
  const over = working.some(
    (entry, index) =>
      (entry.weight === 0 && entry.slots.length > 0) ||
      deviation(load[index] ?? 0, target[index] ?? 0) > thresholdPercent,
  );
  if (!over) return;
  const receivers = working
    .map((_, index) => index)
    .filter((index) => (working[index]?.weight ?? 0) > 0);
  const move = (giver: number, taker: number, slot: number) => {
    const from = working[giver];
    const to = working[taker];
    if (!from || !to) return;
    from.slots.splice(from.slots.indexOf(slot), 1);
    give(to, [slot]);
    load[giver] = (load[giver] ?? 0) - bytesOf(slot);
    load[taker] = (load[taker] ?? 0) + bytesOf(slot);
  };
  // Drained masters give everything: biggest slots to the largest deficit, empty slots to the
  // master with the fewest slots per unit of weight.
  working.forEach((entry, giver) => {
    if (entry.weight > 0) return;
    const slots = [...entry.slots].sort((a, b) => bytesOf(b) - bytesOf(a));
    for (const slot of slots) {
      let best = receivers[0] ?? 0;
      for (const taker of receivers) {
        const current = working[taker];
        const chosen = working[best];
        if (!current || !chosen) continue;
        const better =
          bytesOf(slot) > 0
            ? (target[taker] ?? 0) - (load[taker] ?? 0) > (target[best] ?? 0) - (load[best] ?? 0)
            : current.slots.length / current.weight < chosen.slots.length / chosen.weight;
        if (better) best = taker;
      }
      move(giver, best, slot);
    }
  });
  // Then even out the rest: largest fitting slot from the most loaded to the least loaded.
  const sorted = new Map<number, number[]>();
  for (const giver of receivers) {
    sorted.set(
      giver,
      (working[giver]?.slots ?? [])
        .filter((slot) => bytesOf(slot) > 0)
        .sort((a, b) => bytesOf(a) - bytesOf(b)),
    );
  }
  for (let round = 0; round < clusterSlotCount; round++) {
    let giver = -1;
    let taker = -1;
    for (const index of receivers) {
      const excess = (load[index] ?? 0) - (target[index] ?? 0);
      if (giver === -1 || excess > (load[giver] ?? 0) - (target[giver] ?? 0)) giver = index;
      if (taker === -1 || excess < (load[taker] ?? 0) - (target[taker] ?? 0)) taker = index;
    }
    if (giver === -1 || taker === -1 || giver === taker) break;
    const limit = Math.min(
      (load[giver] ?? 0) - (target[giver] ?? 0),
      (target[taker] ?? 0) - (load[taker] ?? 0),
    );
    if (deviation(load[giver] ?? 0, target[giver] ?? 0) <= thresholdPercent / 2) break;
    const candidates = sorted.get(giver) ?? [];
    // Largest slot whose bytes do not exceed the limit (binary search on ascending sizes).
    let low = 0;
    let high = candidates.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (bytesOf(candidates[middle] ?? 0) <= limit) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    if (found === -1) break;
    const [slot] = candidates.splice(found, 1);
    if (slot === undefined) break;
    move(giver, taker, slot);
    const takerList = sorted.get(taker) ?? [];
    const at = takerList.findIndex((other) => bytesOf(other) > bytesOf(slot));
    takerList.splice(at === -1 ? takerList.length : at, 0, slot);
  }
}
