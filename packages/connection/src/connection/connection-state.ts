import type { CircuitState } from '@redgrid/core';

/**
 * Where a connection stands, as one word for dashboards and health checks:
 * - `connecting`: not connected yet (with `lazyConnect`, until the first command or `connect()`);
 * - `ready`: connected, the breaker closed, the last health check passed;
 * - `degraded`: connected and serving, but something is off: the breaker is half-open, the last
 *   health check failed or was slow to answer, the cluster reports a state other than `ok`, or
 *   a node uses at least `memoryWarnRatio` of its `maxmemory`;
 * - `reconnecting`: the connection was lost and is being re-established (commands wait, up to
 *   their deadline);
 * - `down`: commands fail at once: the breaker is open, the credentials were refused, or
 *   ioredis gave up reconnecting;
 * - `closed`: `close()` was called; final.
 */
export type ConnectionState =
  | 'connecting'
  | 'ready'
  | 'degraded'
  | 'reconnecting'
  | 'down'
  | 'closed';

/** Inputs of {@link deriveState}. */
export interface StateInputs {
  closed: boolean;
  /** The credentials were refused (AuthError); no reconnect until they change. */
  fatal: boolean;
  /** ioredis' `status` of the client: wait, connecting, connect, ready, reconnecting, close, end, ... */
  clientStatus: string;
  breaker: CircuitState;
  /** The last periodic health check failed (timeout, connection error). */
  healthCheckFailing: boolean;
  /** `cluster_state` of a cluster, when known. */
  clusterState: string | undefined;
  /** A data node uses at least the warning ratio of its `maxmemory`. */
  memoryWarning?: boolean;
}

/** The state implied by the inputs; pure, so every transition rule is unit-tested. */
export function deriveState(inputs: StateInputs): ConnectionState {
  if (inputs.closed) return 'closed';
  if (inputs.fatal || inputs.breaker === 'open') return 'down';
  switch (inputs.clientStatus) {
    case 'ready':
      return inputs.breaker === 'half-open' ||
        inputs.healthCheckFailing ||
        inputs.memoryWarning === true ||
        (inputs.clusterState !== undefined && inputs.clusterState !== 'ok')
        ? 'degraded'
        : 'ready';
    case 'reconnecting':
    case 'close':
    case 'disconnecting':
      return 'reconnecting';
    case 'end':
      return 'down';
    default:
      return 'connecting';
  }
}
