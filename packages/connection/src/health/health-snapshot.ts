import type { Address, CircuitBreaker, RedisTopology } from '@redgrid/core';
import type { ConnectionState } from '../connection/connection-state.js';
import type { ConnectionHealth } from '../connection/redis-connection.js';
import { remoteAddress } from '../ioredis/addresses.js';
import type { InstanceLike } from '../ioredis/internals.js';
import type { HealthChecker } from './health-checker.js';
import type { MemoryWatch } from './memory-watch.js';
import { topologyCounts } from './topology-counts.js';

/** The `health()` of a connection, from what it knows now (no I/O); copies, never live objects. */
export function healthSnapshot(parts: {
  state: ConnectionState;
  topology: RedisTopology;
  client: InstanceLike;
  readReplica: InstanceLike | undefined;
  checker: HealthChecker;
  currentMaster: Address | undefined;
  breaker: CircuitBreaker;
  inFlight: number;
  lastError: { readonly message: string; readonly at: Date } | undefined;
  memory: MemoryWatch;
}): ConnectionHealth {
  const { state, checker, currentMaster, lastError, readReplica: replica } = parts;
  const { nodeCount, masterCount, offlineQueueDepth } = topologyCounts(parts.client);
  return {
    state,
    healthy: state === 'ready',
    topology: parts.topology,
    latencyMs: checker.latencyMs,
    nodeCount,
    masterCount,
    clusterState: checker.clusterState,
    currentMaster: currentMaster === undefined ? undefined : { ...currentMaster },
    breaker: parts.breaker.stats(),
    offlineQueueDepth,
    inFlight: parts.inFlight,
    lastError: lastError === undefined ? undefined : { ...lastError },
    checkedAt: checker.checkedAt,
    memory: parts.memory.snapshot(),
    ...(replica === undefined
      ? {}
      : { readReplica: { status: replica.status, address: remoteAddress(replica) } }),
  };
}
