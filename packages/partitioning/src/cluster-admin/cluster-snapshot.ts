import type { ClusterNodesEntry } from './parse-cluster-nodes.js';

/** Redis Cluster's number of hash slots. */
export const clusterSlotCount = 16_384;

/** A slot being moved, as one node declares it: the node at the other end. */
export interface SlotMigration {
  readonly slot: number;
  /** Id of the node the slot goes to (migrating) or comes from (importing). */
  readonly nodeId: string;
}

/** One node of a cluster as `inspectCluster` found it. */
export interface ClusterNodeInfo {
  /** The 40-character node id. */
  readonly id: string;
  /** `host:port` as the cluster announces it. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** Its master's id, for a replica. */
  readonly masterId: string | undefined;
  readonly flags: readonly string[];
  readonly configEpoch: number;
  /** True when it answered `CLUSTER NODES` itself. */
  readonly reachable: boolean;
  /** Slots it owns, in its own view (other nodes' view when unreachable); sorted. */
  readonly slots: readonly number[];
  /** Slots it is migrating away (`CLUSTER SETSLOT <slot> MIGRATING`). */
  readonly migrating: readonly SlotMigration[];
  /** Slots it is importing (`CLUSTER SETSLOT <slot> IMPORTING`). */
  readonly importing: readonly SlotMigration[];
}

/**
 * A Redis Cluster at one moment: its nodes, who owns each slot, and what is wrong (half-moved
 * slots, uncovered slots, unreachable or failing nodes). Plain data: log it, or pass it to
 * `planClusterRebalance`.
 */
export interface ClusterSnapshot {
  readonly nodes: readonly ClusterNodeInfo[];
  /** Masters that are not failing, with or without slots, sorted by address. */
  readonly masters: readonly ClusterNodeInfo[];
  /** Node id owning each slot (index = slot), undefined when none does. */
  readonly slotOwners: readonly (string | undefined)[];
  /**
   * Slots some node declares migrating or importing, or that several masters claim: what
   * `fixCluster` (and a resumed `rebalanceCluster`) completes. Sorted.
   */
  readonly openSlots: readonly number[];
  /** Slots no master owns (the cluster answers CLUSTERDOWN for them). */
  readonly uncoveredSlots: readonly number[];
  /** Unreachable or failing masters, nodes that disagree: each a sentence naming the node. */
  readonly problems: readonly string[];
}

const failingFlags = ['fail', 'fail?', 'handshake', 'noaddr'];

/**
 * Builds a snapshot from each node's own `CLUSTER NODES` (`views`, by node id; undefined for a
 * node that did not answer) and the seed's list of nodes. A node's slots and migration markers
 * come from its own `myself` line, which is authoritative for it; several masters claiming a
 * slot (a move interrupted between its `SETSLOT NODE` calls) resolve to the migration target,
 * else the highest config epoch, as the cluster itself converges.
 */
export function buildClusterSnapshot(
  seed: readonly ClusterNodesEntry[],
  views: ReadonlyMap<string, readonly ClusterNodesEntry[] | undefined>,
): ClusterSnapshot {
  const problems: string[] = [];
  const nodes: ClusterNodeInfo[] = seed.map((seen) => {
    const own = views.get(seen.id)?.find((entry) => entry.flags.includes('myself'));
    const entry = own ?? seen;
    const address = `${entry.host}:${entry.port}`;
    const flags = entry.flags.filter((flag) => flag !== 'myself');
    const role = flags.includes('master') ? 'master' : 'replica';
    const failing = seen.flags.find((flag) => failingFlags.includes(flag));
    if (failing !== undefined) {
      problems.push(`${role} ${address} (${seen.id.slice(0, 8)}) is flagged ${failing}`);
    } else if (own === undefined) {
      problems.push(`${role} ${address} (${seen.id.slice(0, 8)}) did not answer CLUSTER NODES`);
    }
    const markers = (map: ReadonlyMap<number, string>): SlotMigration[] =>
      [...map].map(([slot, nodeId]) => ({ slot, nodeId })).sort((a, b) => a.slot - b.slot);
    return {
      id: entry.id,
      address,
      host: entry.host,
      port: entry.port,
      role,
      masterId: entry.masterId,
      flags,
      configEpoch: entry.configEpoch,
      reachable: own !== undefined,
      slots: entry.slots,
      migrating: markers(entry.migrating),
      importing: markers(entry.importing),
    };
  });

  const byId = new Map(nodes.map((node) => [node.id, node]));
  const masters = nodes
    .filter(
      (node) => node.role === 'master' && !node.flags.some((flag) => failingFlags.includes(flag)),
    )
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));

  const claimants: string[][] = Array.from({ length: clusterSlotCount }, () => []);
  for (const master of masters) for (const slot of master.slots) claimants[slot]?.push(master.id);
  const open = new Set<number>();
  for (const node of masters) {
    for (const { slot } of node.migrating) open.add(slot);
    for (const { slot } of node.importing) open.add(slot);
  }
  const slotOwners: (string | undefined)[] = new Array(clusterSlotCount);
  const uncoveredSlots: number[] = [];
  for (let slot = 0; slot < clusterSlotCount; slot++) {
    const claims = claimants[slot] ?? [];
    if (claims.length === 0) {
      uncoveredSlots.push(slot);
      continue;
    }
    if (claims.length > 1) open.add(slot);
    slotOwners[slot] = pickOwner(slot, claims, byId);
  }
  if (uncoveredSlots.length > 0) {
    problems.push(
      `${uncoveredSlots.length} slot(s) have no owner (first: ${uncoveredSlots[0]}); the cluster answers CLUSTERDOWN for them`,
    );
  }
  return {
    nodes,
    masters,
    slotOwners,
    openSlots: [...open].sort((a, b) => a - b),
    uncoveredSlots,
    problems,
  };
}

function pickOwner(
  slot: number,
  claims: readonly string[],
  byId: ReadonlyMap<string, ClusterNodeInfo>,
): string | undefined {
  if (claims.length === 1) return claims[0];
  // A claimant another claimant is migrating the slot to has received it (SETSLOT NODE on the
  // target first): it is the owner the interrupted move was heading for.
  for (const id of claims) {
    const other = claims.some(
      (otherId) =>
        otherId !== id &&
        byId.get(otherId)?.migrating.some((marker) => marker.slot === slot && marker.nodeId === id),
    );
    if (other) return id;
  }
  let best: ClusterNodeInfo | undefined;
  for (const id of claims) {
    const node = byId.get(id);
    if (node && (best === undefined || node.configEpoch > best.configEpoch)) best = node;
  }
  return best?.id;
}
