import type { Cluster, Redis } from 'ioredis';
import type { CheckpointStore, MigrationCheckpoint } from './checkpoint-store.js';
import { checkpointKey } from './reserved-keys.js';

/**
 * The default store: each source node's checkpoint lives on that node, in the hash
 * `__redgrid:partitioning:checkpoints` (field: plan id), which scans and migrations skip.
 * `clientOf` gives the client of a node by id.
 */
export function redisCheckpointStore(
  clientOf: (nodeId: string) => Redis | Cluster,
): CheckpointStore {
  return {
    async load(planId, source) {
      const text = await clientOf(source).hget(checkpointKey, planId);
      return text === null ? undefined : (JSON.parse(text) as MigrationCheckpoint);
    },
    async save(checkpoint) {
      await clientOf(checkpoint.source).hset(
        checkpointKey,
        checkpoint.planId,
        JSON.stringify(checkpoint),
      );
    },
    async clear(planId, source) {
      await clientOf(source).hdel(checkpointKey, planId);
    },
  };
}
