import type { Redis, RedisOptions } from 'ioredis';
import { replicaReadRoute } from '../connection/replica-reads.js';
import type { CommandGuard } from '../guard/command-guard.js';
import { createRedisClient } from '../ioredis/create-client.js';
import type { InstanceLike } from '../ioredis/internals.js';

const noop = () => {};

/**
 * A Sentinel-resolved connection to a replica (ioredis `role: 'slave'`), not guarded itself:
 * read-only commands reach it through the master connection's guarded `sendCommand` (see
 * `replicaReadRoute`), already admitted and with their deadline. It connects with the master.
 * `cleanups` remove the route and the listeners.
 */
export function createReadReplica(options: {
  /** The master connection's ioredis options. */
  options: RedisOptions;
  primary: InstanceLike;
  mode: 'replica' | 'prefer-replica';
  guard: CommandGuard;
  onError: (error: Error) => void;
}): { replica: Redis; cleanups: Array<() => void> } {
  const { primary, onError } = options;
  const replica = createRedisClient({ ...options.options, role: 'slave' });
  const instance = replica as unknown as InstanceLike;
  const connect = () => {
    if (replica.status === 'wait') replica.connect().catch(noop);
  };
  replica.on('error', onError);
  primary.on('ready', connect);
  return {
    replica,
    cleanups: [
      options.guard.addRoute(primary, replicaReadRoute(primary, instance, options.mode)),
      () => {
        replica.removeListener('error', onError);
        primary.removeListener('ready', connect);
      },
    ],
  };
}
