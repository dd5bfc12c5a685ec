import { type InstanceLike, isClusterLike, offlineQueueLength } from '../ioredis/internals.js';

/**
 * Nodes and masters connected to (1 for a ready server or Sentinel master, the nodes and
 * masters of a cluster), and the commands waiting in the offline queues, for `health()`.
 */
export function topologyCounts(instance: InstanceLike): {
  nodeCount: number;
  masterCount: number;
  offlineQueueDepth: number;
} {
  let nodeCount = instance.status === 'ready' ? 1 : 0;
  let masterCount = nodeCount;
  let offlineQueueDepth = offlineQueueLength(instance);
  if (isClusterLike(instance)) {
    const nodes = instance.nodes('all');
    nodeCount = nodes.length;
    masterCount = instance.nodes('master').length;
    for (const node of nodes) offlineQueueDepth += offlineQueueLength(node);
  }
  return { nodeCount, masterCount, offlineQueueDepth };
}
