import type { RedisTopology } from '@redgrid/core';
import { Cluster, type Redis } from 'ioredis';
import type { ClusterLike } from '../ioredis/internals.js';
import type { Logger } from '../logging/logger.js';

/**
 * ioredis' `reconnectOnError` for a connection: a READONLY reply means the server was demoted
 * to a replica. A cluster refreshes its slots; Sentinel reconnects (resolving the current
 * master) and resends the command there (2); a single server keeps its address, so it only
 * reconnects (DNS may now point to the new primary, as with managed services) and the command
 * fails (1). Anything else: false.
 */
export function reconnectOnReadonly(
  target: { connection: string; logger: Logger; topology: RedisTopology; client: Redis | Cluster },
  error: Error,
): boolean | 1 | 2 {
  if (!error.message.startsWith('READONLY')) return false;
  target.logger.warn(
    { connection: target.connection, topology: target.topology },
    'redis READONLY reply: the server is a replica now; reconnecting to the current master',
  );
  if (target.client instanceof Cluster) {
    (target.client as unknown as ClusterLike).refreshSlotsCache();
    return false;
  }
  return target.topology === 'sentinel' ? 2 : 1;
}
