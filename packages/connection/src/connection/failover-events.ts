import { type Address, publish, type TypedEmitter } from '@redgrid/core';
import type { Logger } from '../logging/logger.js';
import type { ConnectionEvents } from './redis-connection.js';

/** A master replaced (Sentinel switch, or a cluster's slots taken over by a replica). */
export interface FailoverEvent {
  from: Address | undefined;
  to: Address;
  masterName?: string;
}

/** Reports a failover: logged, emitted as a `failover` event, published on `redgrid:failover`. */
export function reportFailover(
  target: { connection: string; logger: Logger; emitter: TypedEmitter<ConnectionEvents> },
  event: FailoverEvent,
): void {
  const { connection, logger, emitter } = target;
  logger.warn(
    {
      connection,
      from: event.from === undefined ? undefined : `${event.from.host}:${event.from.port}`,
      to: `${event.to.host}:${event.to.port}`,
    },
    'redis master failover',
  );
  emitter.emit('failover', event);
  publish('redgrid:failover', {
    connection,
    phase: 'switched',
    ...(event.from === undefined ? {} : { from: event.from }),
    to: event.to,
  });
}
