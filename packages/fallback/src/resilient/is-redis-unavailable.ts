import { isConnectionFailure } from '@redgrid/connection';
import { CircuitOpenError, ConnectionClosedError } from '@redgrid/core';

/**
 * True for an error meaning "Redis cannot answer now" — the breaker refused the call, the
 * deadline passed, the connection is down or closed, the cluster is down or a server is still
 * loading — so the fallback should answer. False for errors that are the caller's (a
 * `WRONGTYPE` reply, a Lua error, a bad argument): those are rethrown, never hidden behind a
 * fallback value.
 */
export function isRedisUnavailable(error: unknown): boolean {
  return (
    CircuitOpenError.isInstance(error) ||
    ConnectionClosedError.isInstance(error) ||
    isConnectionFailure(error)
  );
}
