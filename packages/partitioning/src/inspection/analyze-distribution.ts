import type { Redis } from 'ioredis';
import {
  computeDistributionStats,
  type DistributionStatsOptions,
} from '../distribution/distribution-stats.js';
import { countKeys } from '../nodes/count-keys.js';
import { scanKeys } from '../nodes/scan-keys.js';
import type {
  AnalyzeDistributionOptions,
  DistributionReport,
} from '../partitioned-redis/partitioned-redis.js';
import type { Partitioner } from '../strategies/create-partitioner.js';

/**
 * `analyzeDistribution` of client-side partitions: keys per node (a routed sample, DBSIZE, or
 * a SCAN with `match`) against the shares the layout's weights promise.
 */
export async function analyzePartitionDistribution(
  partitioner: Partitioner,
  clientOf: (nodeId: string) => Redis,
  options: AnalyzeDistributionOptions,
  statsOptions: DistributionStatsOptions,
): Promise<DistributionReport> {
  const nodes = partitioner.layout.nodes;
  const counts = new Map<string, number>(nodes.map((node) => [node.id, 0]));
  let counted: DistributionReport['counted'];
  if (options.sample !== undefined) {
    counted = 'sample';
    for (const key of options.sample) {
      const owner = partitioner.route(key);
      if (typeof owner === 'string') counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
  } else if (options.match !== undefined) {
    counted = 'scan';
    const match = options.match;
    await Promise.all(
      nodes.map(async (node) => {
        let total = 0;
        for await (const page of scanKeys(clientOf(node.id), {
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
      nodes.map(async (node) => {
        counts.set(node.id, await countKeys(clientOf(node.id)));
      }),
    );
  }
  return {
    ...computeDistributionStats(counts, partitioner.expectedShares(), statsOptions),
    mode: 'partitioned',
    counted,
    cluster: undefined,
  };
}
