import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { IoredisPlan } from '../options/to-ioredis-options.js';

// ioredis 6 types its constructors with a reply-mapping type parameter; these aliases pin the
// default ("legacy" replies), which is what `client` is typed as. (Cluster's options type does
// not accept its own `ClusterOptions` under exactOptionalPropertyTypes, hence the cast.)
const RedisClient: new (options: RedisOptions) => Redis = Redis;
const ClusterClient = Cluster as unknown as new (
  nodes: ClusterNode[],
  options: ClusterOptions,
) => Cluster;

/** The ioredis client of a plan: a `Cluster` for a cluster, else a `Redis`. */
export function createClient(plan: IoredisPlan): Redis | Cluster {
  return plan.type === 'cluster'
    ? new ClusterClient(plan.startupNodes, plan.options)
    : new RedisClient(plan.options);
}

/** A `Redis` client with the default reply types (see above). */
export function createRedisClient(options: RedisOptions): Redis {
  return new RedisClient(options);
}

/** A new connection of the same kind as `client`, for `RedisConnection.dedicated()`. */
export function duplicateClient(client: Redis | Cluster): Redis | Cluster {
  // Queue until first ready, like the main cluster (see toIoredisOptions).
  if (client instanceof Cluster) return client.duplicate([], { enableOfflineQueue: true });
  return client.duplicate();
}
