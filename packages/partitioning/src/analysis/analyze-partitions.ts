import { isLfuPolicy, readNodeMemory } from '@redgrid/connection';
import { Redis } from 'ioredis';
import { ClusterModeError } from '../errors/cluster-mode-error.js';
import type { PartitionedRedis } from '../partitioned-redis/partitioned-redis.js';
import { createLayoutRouter } from '../strategies/create-partitioner.js';
import {
  type AnalyzeOptions,
  type LocatedSampledKey,
  type NodeAnalysis,
  type Spread,
  spreadOf,
  topSampledKeys,
} from './analyze-cluster.js';
import { checkAnalyzeOptions } from './analyze-options.js';
import { type NodeTraffic, readNodeTraffic, replicasOf, withReadShares } from './node-traffic.js';
import { sampleKeys } from './sample-keys.js';

/**
 * Traffic of a layout node and of the replicas it reports, read with short-lived connections
 * that take the node connection's credentials and TLS.
 */
async function groupTraffic(master: Redis): Promise<Array<Omit<NodeTraffic, 'readShare'>>> {
  const address = `${master.stream?.remoteAddress ?? master.options.host}:${master.stream?.remotePort ?? master.options.port}`;
  const nodes: Array<Omit<NodeTraffic, 'readShare'>> = [
    { address, role: 'master', ...(await readNodeTraffic(master)) },
  ];
  for (const replica of await replicasOf(master)) {
    const separator = replica.lastIndexOf(':');
    const { username, password, tls, family, connectTimeout } = master.options;
    const client = new Redis({
      host: replica.slice(0, separator),
      port: Number(replica.slice(separator + 1)),
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(tls === undefined ? {} : { tls }),
      ...(family === undefined ? {} : { family }),
      ...(connectTimeout === undefined ? {} : { connectTimeout }),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      nodes.push({ address: replica, role: 'replica', ...(await readNodeTraffic(client)) });
    } catch {
      // An unreachable replica has no figures to report.
    } finally {
      client.disconnect();
    }
  }
  return nodes;
}

/** One node of a partition analysis. */
export interface PartitionNodeAnalysis extends NodeAnalysis {
  readonly weight: number;
  /** keys / all keys. */
  readonly share: number;
  /** The share its weight promises. */
  readonly expectedShare: number;
  /** Distance of share to expectedShare, in percent of expectedShare. */
  readonly deviationPercent: number;
  /** Sampled keys that the layout places on another node (or nowhere), scaled to the node. */
  readonly misplacedKeys: number;
}

/** One range of a range layout, with its estimated keys. */
export interface RangeAnalysis {
  readonly node: string;
  readonly from: number | string | undefined;
  readonly to: number | string | undefined;
  /** Keys estimated from the sample (exact when the sample was complete). */
  readonly keys: number;
}

/** What `analyzePartitions` found. */
export interface PartitionAnalysis {
  readonly mode: 'partitioned';
  readonly strategy: 'consistent-hash' | 'range';
  readonly nodes: readonly PartitionNodeAnalysis[];
  /** Range layouts: every range with its keys. */
  readonly ranges: readonly RangeAnalysis[] | undefined;
  readonly keys: Spread;
  readonly usedBytes: Spread;
  readonly biggest: readonly LocatedSampledKey[];
  readonly hottest: readonly LocatedSampledKey[] | undefined;
  readonly hottestNote: string | undefined;
  /**
   * Reads and writes each data node has served (INFO commandstats): every layout node and the
   * replicas it reports (a Sentinel group's), where `REDIS_READ_FROM=replica` sends reads.
   */
  readonly traffic: readonly NodeTraffic[];
  /**
   * What balancing would take: nothing (`needed` false), new weights (consistent hashing: a
   * node's weight scaled by expected / actual share), or new range bounds (quantiles of the
   * sampled segments, each node getting its weight's share). Apply with `partition plan`.
   */
  readonly balance: {
    readonly needed: boolean;
    readonly thresholdPercent: number;
    readonly weights: Readonly<Record<string, number>> | undefined;
    readonly ranges:
      | readonly {
          readonly node: string;
          readonly from?: number | string;
          readonly to?: number | string;
        }[]
      | undefined;
  };
}

/**
 * Key and memory distribution of a client-side partitioned keyspace per node and (range
 * layouts) per range, sampled without blocking (SCAN, MEMORY USAGE, OBJECT FREQ under LFU),
 * with what it would take to balance: suggested weights or range bounds. Throws
 * `ClusterModeError` in cluster mode (use `analyzeCluster`).
 */
export async function analyzePartitions(
  partitioned: PartitionedRedis,
  options: AnalyzeOptions = {},
): Promise<PartitionAnalysis> {
  checkAnalyzeOptions(options);
  if (partitioned.mode === 'cluster') {
    throw new ClusterModeError({
      operation: 'analyzePartitions',
      message:
        'analyzePartitions works on client-side partitions; use analyzeCluster for a Redis Cluster',
    });
  }
  const top = options.top ?? 10;
  const thresholdPercent = options.thresholdPercent ?? 10;
  const layout = partitioned.layout;
  const partitioner = createLayoutRouter(layout);
  const router = partitioner.ranges;
  const rangeKey = (range: { from: unknown; to: unknown }) =>
    `${String(range.from)}..${String(range.to)}`;
  const segments: Array<{ value: number | string; weight: number }> = [];
  const rangeKeys = new Map<string, number>();
  const nodes = await Promise.all(
    layout.nodes.map(async (node) => {
      const client = partitioned.connectionOf(node.id).client as Redis;
      const memory = await readNodeMemory(client);
      const nodeSegments: Array<number | string> = [];
      let misplaced = 0;
      const sample = await sampleKeys(client, {
        maxKeys: options.sampleKeys ?? 10_000,
        top,
        frequency: isLfuPolicy(memory.policy),
        ...(options.match === undefined ? {} : { match: options.match }),
        groupOf: (key) => {
          const owner = partitioner.route(key);
          if (owner !== node.id) misplaced++;
          if (!router) return typeof owner === 'string' ? owner : 'unroutable';
          const value = router.valueOf(key);
          if (typeof value === 'object') return 'unroutable';
          nodeSegments.push(value);
          const range = router.rangeOf(value);
          return range ? rangeKey(range) : 'outside';
        },
      });
      const scale = sample.sampledKeys > 0 ? memory.keys / sample.sampledKeys : 0;
      for (const value of nodeSegments) segments.push({ value, weight: scale });
      for (const [group, totals] of sample.groups) {
        rangeKeys.set(String(group), (rangeKeys.get(String(group)) ?? 0) + totals.keys * scale);
      }
      return { node, memory, sample, misplaced: Math.round(misplaced * scale) };
    }),
  );
  const totalKeys = nodes.reduce((sum, entry) => sum + entry.memory.keys, 0);
  const totalWeight = layout.nodes.reduce((sum, node) => sum + node.weight, 0);
  const analyses: PartitionNodeAnalysis[] = nodes.map(({ node, memory, sample, misplaced }) => {
    const share = totalKeys > 0 ? memory.keys / totalKeys : 0;
    const expectedShare = node.weight / totalWeight;
    return {
      id: node.id,
      address: addressOf(partitioned, node.id),
      keys: memory.keys,
      memory,
      sampledKeys: sample.sampledKeys,
      complete: sample.complete,
      bytesPerKey: sample.bytesPerKey,
      types: sample.types,
      biggest: sample.biggest,
      hottest: sample.hottest,
      weight: node.weight,
      share,
      expectedShare,
      deviationPercent: totalKeys > 0 ? (Math.abs(share - expectedShare) / expectedShare) * 100 : 0,
      misplacedKeys: misplaced,
    };
  });
  const needed = analyses.some((node) => node.deviationPercent > thresholdPercent);
  const ranges = router?.ranges.map((range) => ({
    node: range.node,
    from: range.from,
    to: range.to,
    keys: Math.round(rangeKeys.get(rangeKey(range)) ?? 0),
  }));
  const traffic = withReadShares(
    (
      await Promise.all(
        layout.nodes.map((node) => groupTraffic(partitioned.connectionOf(node.id).client as Redis)),
      )
    ).flat(),
  );
  return {
    mode: 'partitioned',
    strategy: router ? 'range' : 'consistent-hash',
    nodes: analyses,
    traffic,
    ranges,
    keys: spreadOf(analyses.map((node) => node.keys)),
    usedBytes: spreadOf(analyses.map((node) => node.memory.usedBytes)),
    ...topSampledKeys(
      analyses.map((node) => ({
        node: node.id,
        biggest: node.biggest,
        hottest: node.hottest,
        policy: node.memory.policy,
      })),
      top,
    ),
    balance: {
      needed,
      thresholdPercent,
      weights:
        needed && !router
          ? Object.fromEntries(
              analyses.map((node) => [
                node.id,
                Math.round(
                  node.weight * (node.share > 0 ? node.expectedShare / node.share : 1) * 100,
                ) / 100,
              ]),
            )
          : undefined,
      ranges:
        needed && router && ranges ? suggestRanges(ranges, segments, layout.nodes) : undefined,
    },
  };
}

function addressOf(partitioned: PartitionedRedis, id: string): string {
  const options = (
    partitioned.connectionOf(id).client as { options?: { host?: string; port?: number } }
  ).options;
  return options?.host === undefined ? id : `${options.host}:${options.port ?? ''}`;
}

/**
 * Range bounds that give each range's node its weight's share of the sampled keys: weighted
 * quantiles of the segment values, keeping the ranges' order and their outer open ends.
 */
function suggestRanges(
  ranges: readonly RangeAnalysis[],
  segments: Array<{ value: number | string; weight: number }>,
  nodes: readonly { id: string; weight: number }[],
): Array<{ node: string; from?: number | string; to?: number | string }> {
  const weightOf = new Map(nodes.map((node) => [node.id, node.weight]));
  const total = ranges.reduce((sum, range) => sum + (weightOf.get(range.node) ?? 1), 0);
  const sorted = [...segments].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const mass = sorted.reduce((sum, entry) => sum + entry.weight, 0);
  const bounds: Array<number | string | undefined> = [];
  let cumulative = 0;
  let index = 0;
  let wanted = 0;
  for (const range of ranges.slice(0, -1)) {
    wanted += ((weightOf.get(range.node) ?? 1) / total) * mass;
    while (index < sorted.length && cumulative + (sorted[index]?.weight ?? 0) <= wanted) {
      cumulative += sorted[index]?.weight ?? 0;
      index++;
    }
    bounds.push(sorted[index]?.value);
  }
  return ranges.map((range, position) => {
    const from = position === 0 ? range.from : bounds[position - 1];
    const to = position === ranges.length - 1 ? range.to : bounds[position];
    return {
      node: range.node,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    };
  });
}
