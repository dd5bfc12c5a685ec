import type { Cluster, Redis } from 'ioredis';
import { type InstanceLike, isClusterLike } from '../ioredis/internals.js';

/**
 * Every ioredis instance a connection owns: the nodes of each cluster (and, with
 * `includeNotReady`, the cluster itself), each other client, and the pool members.
 */
export function ownedInstances(
  clients: Iterable<Redis | Cluster>,
  poolMembers: readonly InstanceLike[],
  includeNotReady: boolean,
): InstanceLike[] {
  const instances: InstanceLike[] = [];
  for (const client of clients) {
    const instance = client as unknown as InstanceLike;
    if (isClusterLike(instance)) {
      instances.push(...instance.nodes('all'));
      if (includeNotReady) instances.push(instance);
    } else {
      instances.push(instance);
    }
  }
  instances.push(...poolMembers);
  return instances;
}
