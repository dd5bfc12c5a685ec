import type { NodeHandle } from '../nodes/node-registry.js';
import type {
  PartitionedHealth,
  PartitionNodeHealth,
} from '../partitioned-redis/partitioned-redis.js';
import type { NormalizedLayout } from '../strategies/create-partitioner.js';

/**
 * `health()`: each known node's role (member, joining, leaving, pending) and connection
 * health, and whether every node that serves keys (old owners included) is healthy.
 */
export function partitionedHealth(
  handles: readonly NodeHandle[],
  layout: NormalizedLayout,
  previousLayout: NormalizedLayout | undefined,
  migratingPlanId: string | undefined,
): PartitionedHealth {
  const members = new Set(layout.nodes.map((node) => node.id));
  const previous = new Set(previousLayout?.nodes.map((node) => node.id) ?? []);
  const nodes: PartitionNodeHealth[] = handles.map((handle) => {
    const role: PartitionNodeHealth['role'] = members.has(handle.id)
      ? previousLayout && !previous.has(handle.id)
        ? 'joining'
        : 'member'
      : previous.has(handle.id)
        ? 'leaving'
        : 'pending';
    return {
      id: handle.id,
      role,
      healthy: handle.connection.isHealthy(),
      health: handle.connection.health(),
    };
  });
  const serving = nodes.filter((node) => node.role !== 'pending');
  const unservedNodes = serving.filter((node) => !node.healthy).map((node) => node.id);
  const healthyCount = serving.length - unservedNodes.length;
  return {
    status: unservedNodes.length === 0 ? 'healthy' : healthyCount === 0 ? 'unhealthy' : 'degraded',
    allPartitionsServed: unservedNodes.length === 0,
    unservedNodes,
    nodes,
    migratingPlanId,
  };
}
