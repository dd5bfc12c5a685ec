import type { Redis } from 'ioredis';
import { execPipeline } from '../nodes/exec-pipeline.js';
import { scanKeys } from '../nodes/scan-keys.js';
import type { MisplacedKey, ValidationReport } from '../partitioned-redis/partitioned-redis.js';
import { groupBy } from '../routing/group-by.js';
import type { Partitioner } from '../strategies/create-partitioner.js';

interface Misplacement {
  key: string;
  node: string;
  expectedNode: string;
}

/**
 * `validate` of client-side partitions: scans `nodeIds` (the layout's nodes, and during a
 * migration the old layout's too) and reports keys the router places elsewhere or nowhere;
 * misplaced keys are looked up on their owner, batch by batch, to count duplicates.
 */
export async function validatePartitionPlacement(
  router: Partitioner,
  nodeIds: ReadonlySet<string>,
  clientOf: (nodeId: string) => Redis,
  options: { maxReported: number; scanCount: number; match: string | undefined },
): Promise<ValidationReport> {
  const { maxReported } = options;
  const keysPerNode: Record<string, number> = {};
  const misplaced: Misplacement[] = [];
  const unroutable: Array<{ key: string; node: string }> = [];
  let misplacedCount = 0;
  let unroutableCount = 0;
  let scannedKeys = 0;
  let duplicateCount = 0;
  const duplicates = new Set<string>();
  const checkOwners = async (batch: Misplacement[]) => {
    await Promise.all(
      [...groupBy(batch, (entry) => entry.expectedNode)].map(async ([owner, group]) => {
        const pipeline = clientOf(owner).pipeline();
        for (const entry of group) pipeline.exists(entry.key);
        const replies = await execPipeline(pipeline);
        group.forEach((entry, index) => {
          if (replies[index]?.[1] === 1) {
            duplicateCount++;
            if (duplicates.size < maxReported) duplicates.add(`${entry.node}\u0000${entry.key}`);
          }
        });
      }),
    );
  };
  await Promise.all(
    [...nodeIds].map(async (id) => {
      let found = 0;
      for await (const page of scanKeys(clientOf(id), {
        count: options.scanCount,
        match: options.match,
      })) {
        found += page.keys.length;
        const wrong: Misplacement[] = [];
        for (const key of page.keys) {
          const owner = router.route(key);
          if (typeof owner !== 'string') {
            unroutableCount++;
            if (unroutable.length < maxReported) unroutable.push({ key, node: id });
          } else if (owner !== id) {
            misplacedCount++;
            const entry = { key, node: id, expectedNode: owner };
            wrong.push(entry);
            if (misplaced.length < maxReported) misplaced.push(entry);
          }
        }
        if (wrong.length > 0) await checkOwners(wrong);
      }
      keysPerNode[id] = found;
      scannedKeys += found;
    }),
  );
  const report: MisplacedKey[] = misplaced.map((entry) => ({
    ...entry,
    duplicate: duplicates.has(`${entry.node}\u0000${entry.key}`),
  }));
  return {
    valid: misplacedCount === 0 && unroutableCount === 0,
    scannedKeys,
    keysPerNode,
    misplacedCount,
    duplicateCount,
    unroutableCount,
    misplaced: report,
    unroutable,
  };
}
