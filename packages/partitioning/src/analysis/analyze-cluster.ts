import { isLfuPolicy, type NodeMemory, readNodeMemory } from '@redgrid/connection';
import { keySlot } from '@redgrid/core';
import {
  AdminSession,
  type AdminSessionOptions,
  type ClusterConnection,
} from '../cluster-admin/admin-session.js';
import { clusterSlotCount } from '../cluster-admin/cluster-snapshot.js';
import { countKeysInSlots } from '../cluster-admin/count-keys-in-slots.js';
import { toSlotRanges } from '../cluster-admin/format-slot-ranges.js';
import { planClusterRebalance } from '../cluster-admin/plan-cluster-rebalance.js';
import { checkAnalyzeOptions } from './analyze-options.js';
import { type NodeTraffic, readNodeTraffic, withReadShares } from './node-traffic.js';
import { type SampledKey, sampleKeys } from './sample-keys.js';

/** Options of {@link analyzeCluster} and `analyzePartitions`. */
export interface AnalyzeOptions extends AdminSessionOptions {
  /** Keys sampled per node (SCAN + MEMORY USAGE). Default 10 000; the figures say whether they cover all. */
  readonly sampleKeys?: number;
  /** Biggest / hottest keys listed. Default 10. */
  readonly top?: number;
  /** A node is off balance past this distance to its share, in percent. Default 2 (cluster) / 10 (partitions). */
  readonly thresholdPercent?: number;
  /** Only keys matching this SCAN pattern are sampled. */
  readonly match?: string;
}

/** A sampled key with the node it lives on. */
export interface LocatedSampledKey extends SampledKey {
  readonly node: string;
}

/** Keys and sampled bytes of one node (a cluster master or a partition node). */
export interface NodeAnalysis {
  /** Node id (cluster: the 40-character id; partitions: the layout id). */
  readonly id: string;
  readonly address: string;
  readonly keys: number;
  readonly memory: NodeMemory;
  /** Keys sampled, and whether the sample covered every key. */
  readonly sampledKeys: number;
  readonly complete: boolean;
  /** Average MEMORY USAGE of the sampled keys. */
  readonly bytesPerKey: number | undefined;
  /** Keys per type in the sample. */
  readonly types: Readonly<Record<string, number>>;
  readonly biggest: readonly SampledKey[];
  /** By OBJECT FREQ; undefined unless the node's maxmemory-policy is an LFU one. */
  readonly hottest: readonly SampledKey[] | undefined;
}

/** Max and mean of a figure over the nodes. */
export interface Spread {
  readonly total: number;
  readonly mean: number;
  readonly max: number;
  readonly min: number;
  /** max / mean (1 = even). */
  readonly maxOverMean: number;
}

/** One master of a cluster analysis. */
export interface MasterAnalysis extends NodeAnalysis {
  readonly slots: number;
  /** Its slot ranges with the keys each holds (COUNTKEYSINSLOT). */
  readonly ranges: readonly { readonly from: number; readonly to: number; readonly keys: number }[];
}

/** What `analyzeCluster` found. */
export interface ClusterAnalysis {
  readonly mode: 'cluster';
  readonly masters: readonly MasterAnalysis[];
  readonly keys: Spread;
  readonly usedBytes: Spread;
  readonly slots: Spread;
  /** The biggest / hottest sampled keys of the whole cluster. */
  readonly biggest: readonly LocatedSampledKey[];
  readonly hottest: readonly LocatedSampledKey[] | undefined;
  /** Why `hottest` is missing, when it is. */
  readonly hottestNote: string | undefined;
  /**
   * Reads and writes each node (masters and replicas) has served, from INFO commandstats:
   * with `REDIS_READ_FROM=replica` the reads move to the replicas.
   */
  readonly traffic: readonly NodeTraffic[];
  /** Slots holding the most keys. */
  readonly fullestSlots: readonly {
    readonly slot: number;
    readonly keys: number;
    readonly node: string;
  }[];
  /** What balancing would take: the plans by slots and by memory (threshold applied). */
  readonly balance: {
    readonly bySlots: {
      readonly needed: boolean;
      readonly slotsToMove: number;
      readonly keysToMove: number | undefined;
    };
    readonly byMemory: {
      readonly needed: boolean;
      readonly slotsToMove: number;
      readonly bytesToMove: number | undefined;
    };
  };
  /** Half-moved slots, unreachable nodes...: the cluster's problems. */
  readonly problems: readonly string[];
  readonly openSlots: number;
}

/** Max, mean and min of values. */
export function spreadOf(values: readonly number[]): Spread {
  const total = values.reduce((a, b) => a + b, 0);
  const mean = values.length === 0 ? 0 : total / values.length;
  const max = values.length === 0 ? 0 : Math.max(...values);
  const min = values.length === 0 ? 0 : Math.min(...values);
  return { total, mean, max, min, maxOverMean: mean > 0 ? max / mean : 1 };
}

/** The top `count` of located keys by `score`. */
function topKeys(
  lists: ReadonlyArray<{ node: string; keys: readonly SampledKey[] | undefined }>,
  count: number,
  score: (key: SampledKey) => number,
): LocatedSampledKey[] {
  return lists
    .flatMap(({ node, keys }) => (keys ?? []).map((key) => ({ ...key, node })))
    .sort((a, b) => score(b) - score(a))
    .slice(0, count);
}

/** One node's sampled keys, as both analyses gather them. */
export interface NodeKeySample {
  readonly node: string;
  readonly biggest: readonly SampledKey[];
  readonly hottest: readonly SampledKey[] | undefined;
  /** The node's `maxmemory-policy`, named when `hottest` cannot be sampled. */
  readonly policy: string | undefined;
}

/**
 * The biggest and hottest `top` keys across nodes, and why the hottest are missing when no
 * node runs an LFU policy (Redis keeps the OBJECT FREQ counter only then).
 */
export function topSampledKeys(
  samples: readonly NodeKeySample[],
  top: number,
): Pick<ClusterAnalysis, 'biggest' | 'hottest' | 'hottestNote'> {
  const lfu = samples.some((sample) => sample.hottest !== undefined);
  const biggest = topKeys(
    samples.map((sample) => ({ node: sample.node, keys: sample.biggest })),
    top,
    (key) => key.bytes ?? 0,
  );
  if (!lfu) {
    return {
      biggest,
      hottest: undefined,
      hottestNote: `hottest keys need an LFU maxmemory-policy (allkeys-lfu or volatile-lfu) for OBJECT FREQ; the policy is ${samples[0]?.policy ?? 'unknown'}`,
    };
  }
  const hottest = topKeys(
    samples.map((sample) => ({ node: sample.node, keys: sample.hottest })),
    top,
    (key) => key.frequency ?? 0,
  );
  return { biggest, hottest, hottestNote: undefined };
}

/**
 * Key and memory distribution of a Redis Cluster per master and slot range, without blocking
 * any server: DBSIZE and INFO per master, COUNTKEYSINSLOT per slot (pipelined), a bounded SCAN
 * sample with MEMORY USAGE for the biggest keys and OBJECT FREQ for the hottest (only under an
 * LFU maxmemory-policy, where Redis keeps that counter), and what `rebalanceCluster` would move
 * to balance slots or memory. Read-only.
 */
export async function analyzeCluster(
  connection: ClusterConnection,
  options: AnalyzeOptions = {},
): Promise<ClusterAnalysis> {
  checkAnalyzeOptions(options);
  const session = AdminSession.open(connection, options);
  const top = options.top ?? 10;
  try {
    const snapshot = await session.snapshot();
    const keysPerSlot = new Uint32Array(clusterSlotCount);
    const bytesPerSlot = new Float64Array(clusterSlotCount);
    const masters = await Promise.all(
      snapshot.masters
        .filter((node) => node.reachable)
        .map(async (node): Promise<MasterAnalysis> => {
          const client = session.client(node);
          const owned = node.slots.filter((slot) => snapshot.slotOwners[slot] === node.id);
          const [memory, counts] = await Promise.all([
            readNodeMemory(client),
            countKeysInSlots(client, owned, node.address),
          ]);
          const sample = await sampleKeys(client, {
            maxKeys: options.sampleKeys ?? 10_000,
            top,
            frequency: isLfuPolicy(memory.policy),
            groupOf: keySlot,
            ...(options.match === undefined ? {} : { match: options.match }),
          });
          for (const [slot, count] of counts) {
            keysPerSlot[slot] = count;
            const group = sample.groups.get(slot);
            const perKey =
              group && group.keys > 0 ? group.bytes / group.keys : (sample.bytesPerKey ?? 0);
            bytesPerSlot[slot] = count * perKey;
          }
          return {
            id: node.id,
            address: node.address,
            keys: memory.keys,
            memory,
            sampledKeys: sample.sampledKeys,
            complete: sample.complete,
            bytesPerKey: sample.bytesPerKey,
            types: sample.types,
            biggest: sample.biggest,
            hottest: sample.hottest,
            slots: owned.length,
            ranges: toSlotRanges(owned).map(([from, to]) => {
              let keys = 0;
              for (let slot = from; slot <= to; slot++) keys += keysPerSlot[slot] ?? 0;
              return { from, to, keys };
            }),
          };
        }),
    );
    masters.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    const withSlots = masters.filter((master) => master.slots > 0);
    const bySlots = planClusterRebalance(snapshot, {
      thresholdPercent: options.thresholdPercent ?? 2,
      keysPerSlot,
    });
    const byMemory = planClusterRebalance(snapshot, {
      by: 'memory',
      thresholdPercent: options.thresholdPercent ?? 2,
      keysPerSlot,
      bytesPerSlot,
    });
    const fullest: Array<{ slot: number; keys: number; node: string }> = [];
    for (let slot = 0; slot < clusterSlotCount; slot++) {
      const keys = keysPerSlot[slot] ?? 0;
      if (keys === 0) continue;
      if (fullest.length < top || keys > (fullest.at(-1)?.keys ?? 0)) {
        const owner = snapshot.masters.find((node) => node.id === snapshot.slotOwners[slot]);
        fullest.push({ slot, keys, node: owner?.address ?? '?' });
        fullest.sort((a, b) => b.keys - a.keys);
        if (fullest.length > top) fullest.pop();
      }
    }
    const traffic = withReadShares(
      await Promise.all(
        snapshot.nodes
          .filter((node) => node.reachable)
          .map(async (node) => ({
            address: node.address,
            role: node.role,
            ...(await readNodeTraffic(session.client(node))),
          })),
      ),
    ).sort((a, b) => a.address.localeCompare(b.address));
    return {
      mode: 'cluster',
      masters,
      traffic,
      keys: spreadOf(withSlots.map((master) => master.keys)),
      usedBytes: spreadOf(withSlots.map((master) => master.memory.usedBytes)),
      slots: spreadOf(withSlots.map((master) => master.slots)),
      ...topSampledKeys(
        masters.map((master) => ({
          node: master.address,
          biggest: master.biggest,
          hottest: master.hottest,
          policy: master.memory.policy,
        })),
        top,
      ),
      fullestSlots: fullest,
      balance: {
        bySlots: {
          needed: bySlots.needed,
          slotsToMove: bySlots.slotsToMove,
          keysToMove: bySlots.keysToMove,
        },
        byMemory: {
          needed: byMemory.needed,
          slotsToMove: byMemory.slotsToMove,
          bytesToMove: byMemory.bytesToMove,
        },
      },
      problems: snapshot.problems,
      openSlots: snapshot.openSlots.length,
    };
  } finally {
    await session.close();
  }
}
