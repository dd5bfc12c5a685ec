import type { Redis } from 'ioredis';
import { countKeys } from '../nodes/count-keys.js';
import { scanKeys } from '../nodes/scan-keys.js';
import type { NormalizedLayout } from '../strategies/create-partitioner.js';
import type { PartitionLayout } from '../strategies/partition-strategy.js';
import { type LocatedKey, planRebalance } from './plan-rebalance.js';
import type { RebalancePlan } from './rebalance-plan.js';

/**
 * The plan from the live layout `current` to `target`, with key counts read from the nodes:
 * every key scanned where it really is (`exact`, optionally only those matching `match`), or
 * DBSIZE per node for estimates.
 */
export async function planRebalanceOnNodes(
  current: NormalizedLayout,
  target: PartitionLayout,
  clientOf: (nodeId: string) => Redis,
  options: { exact?: boolean | undefined; match?: string | undefined },
): Promise<RebalancePlan> {
  if (options.exact) {
    const pages = await Promise.all(
      current.nodes.map(async (node) => {
        const keys: string[] = [];
        for await (const page of scanKeys(clientOf(node.id), {
          count: 1000,
          match: options.match,
        })) {
          for (const key of page.keys) keys.push(key);
        }
        return { node: node.id, keys };
      }),
    );
    function* located(): Generator<LocatedKey> {
      for (const page of pages) for (const key of page.keys) yield { key, node: page.node };
    }
    return planRebalance(current, target, { keys: located() });
  }
  const counts = new Map<string, number>();
  await Promise.all(
    current.nodes.map(async (node) => {
      counts.set(node.id, await countKeys(clientOf(node.id)));
    }),
  );
  return planRebalance(current, target, { nodeKeyCounts: counts });
}
