import type { Redis } from 'ioredis';
import type { InstanceLike } from '../ioredis/internals.js';
import type { SwitchMaster } from './parse-switch-master.js';

const noop = () => {};

/**
 * Moves one Sentinel-managed connection to the master a +switch-master announced. Sentinels
 * learn about a failover at slightly different times, and ioredis asks them one by one: one
 * that has not heard yet still names the old master, which (alive, as in a manual failover)
 * accepts writes until the Sentinels demote it, and those writes are then lost. ioredis applies
 * `natMap` to the address a Sentinel returns, so mapping the old master to the new one makes a
 * stale answer harmless; the next switch replaces the mapping.
 */
export function moveToMaster(instance: InstanceLike, event: SwitchMaster): void {
  instance.options.natMap = {
    [`${event.from.host}:${event.from.port}`]: { host: event.to.host, port: event.to.port },
  };
  const redis = instance as InstanceLike & { reconnectTimeout?: NodeJS.Timeout | null };
  if (redis.status === 'ready') {
    const stream = redis.stream;
    if (stream?.remoteAddress !== event.to.host || stream.remotePort !== event.to.port) {
      // Still on the old master (demoted, not dead): move now.
      redis.disconnect(true);
    }
  } else if (redis.status === 'reconnecting' && redis.reconnectTimeout) {
    // Waiting out a backoff delay: skip the rest of it, the new master is known now.
    clearTimeout(redis.reconnectTimeout);
    redis.reconnectTimeout = null;
    (instance as unknown as Redis).connect().catch(noop);
  }
  // Mid-attempt: the retry strategy makes the next attempts immediate (see SentinelFailover).
}
