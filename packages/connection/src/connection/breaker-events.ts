import { type CircuitBreaker, type CircuitState, publish, type TypedEmitter } from '@redgrid/core';
import type { Logger } from '../logging/logger.js';
import type { ConnectionEvents } from './redis-connection.js';

/**
 * Reports the breaker's transitions: logged, emitted as `breaker` events, published on
 * `redgrid:breaker`, then `onTransition` (the connection re-derives its state). Returns the
 * functions that stop listening.
 */
export function reportBreakerTransitions(options: {
  breaker: CircuitBreaker;
  connection: string;
  logger: Logger;
  emitter: TypedEmitter<ConnectionEvents>;
  onTransition: (to: CircuitState) => void;
}): Array<() => void> {
  const { breaker, connection, logger, emitter } = options;
  let previous: CircuitState = breaker.state;
  const transition = (to: CircuitState, details: Record<string, unknown>) => {
    const from = previous;
    previous = to;
    if (from === to) return;
    const log = to === 'open' ? logger.warn : logger.info;
    log({ connection, from, to, ...details }, `redis circuit breaker ${to}`);
    emitter.emit('breaker', { from, to, ...details });
    publish('redgrid:breaker', {
      name: breaker.name ?? connection,
      from,
      to,
      ...(typeof details.reason === 'string' ? { reason: details.reason } : {}),
      ...(typeof details.openForMs === 'number' ? { openForMs: details.openForMs } : {}),
    });
    options.onTransition(to);
  };
  return [
    breaker.on('open', ({ reason, openForMs }) =>
      transition('open', { reason, openForMs: Math.round(openForMs) }),
    ),
    breaker.on('halfOpen', () => transition('half-open', {})),
    breaker.on('close', () => transition('closed', {})),
  ];
}
