import type {
  Address,
  CircuitBreaker,
  CircuitBreakerStats,
  CircuitOpenReason,
  CircuitState,
  RedisTopology,
  Secret,
} from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import type { NodeMemoryReport } from '../health/memory-watch.js';
import type { CommandMetricsSnapshot } from '../metrics/command-metrics.js';
import type { ConnectionState } from './connection-state.js';

/** A point-in-time view of a connection, for health endpoints and dashboards. */
export interface ConnectionHealth {
  /** The connection's state (see {@link ConnectionState}). */
  readonly state: ConnectionState;
  /** Same as `isHealthy()`: state `ready`. */
  readonly healthy: boolean;
  readonly topology: RedisTopology;
  /**
   * Round trip of the last health-check PING, in ms (the slowest master on a cluster);
   * undefined before the first check or after a failed one.
   */
  readonly latencyMs: number | undefined;
  /** Nodes connected to: 1 for a server or a Sentinel master, masters + replicas of a cluster. */
  readonly nodeCount: number;
  /** Masters of a cluster (1 otherwise). */
  readonly masterCount: number;
  /** `cluster_state` from CLUSTER INFO (`ok`, `fail`); undefined when not a cluster or unknown. */
  readonly clusterState: string | undefined;
  /** The master the connection talks to (Sentinel: as resolved; single: the server). */
  readonly currentMaster: Address | undefined;
  /** The breaker's counters and state. */
  readonly breaker: CircuitBreakerStats;
  /** Commands waiting in ioredis' offline queues for a connection. */
  readonly offlineQueueDepth: number;
  /** Commands sent and awaiting their reply or deadline. */
  readonly inFlight: number;
  /** Message of the last connection-level error (no secrets), and when it happened. */
  readonly lastError: { readonly message: string; readonly at: Date } | undefined;
  /** When the last health check completed. */
  readonly checkedAt: Date | undefined;
  /**
   * The replica connection that serves reads (`readFrom` replica or prefer-replica on
   * Sentinel): its ioredis status and the replica it is connected to. Undefined otherwise.
   */
  readonly readReplica?: { readonly status: string; readonly address: Address | undefined };
  /**
   * Memory of each data node read by the last health check (masters of a cluster; the server or
   * Sentinel master otherwise): used and max bytes, ratio, evictions, fragmentation, keys, and
   * whether it is at or over `memoryWarnRatio`. Empty before the first check.
   */
  readonly memory: readonly NodeMemoryReport[];
}

/** Listener signatures of {@link RedisConnection.on}. */
export interface ConnectionEvents {
  /** The state changed. `reason` is a short human-readable cause (no secrets). */
  state: (change: { from: ConnectionState; to: ConnectionState; reason: string }) => void;
  /** The breaker changed state. `reason` is set when it opened. */
  breaker: (change: {
    from: CircuitState;
    to: CircuitState;
    reason?: CircuitOpenReason;
    openForMs?: number;
  }) => void;
  /**
   * A master was replaced: a Sentinel `+switch-master`, or a cluster master whose slots a
   * replica took over. `from` is undefined when the old master is unknown.
   */
  failover: (event: { from: Address | undefined; to: Address; masterName?: string }) => void;
  /** A connection-level error (socket, handshake, Sentinel, cluster node); message scrubbed. */
  error: (error: Error) => void;
  /**
   * A data node entered (`warning: true`) or left the memory warning zone (`memoryWarnRatio` of
   * its `maxmemory`): for alerts. Not emitted on every reading (those go to `redgrid:memory`).
   */
  memory: (report: NodeMemoryReport) => void;
}

/** Options of {@link RedisConnection.close}. */
export interface CloseOptions {
  /**
   * How long QUIT may take to drain replies before the sockets are destroyed, in ms.
   * Default 2 000.
   */
  timeoutMs?: number;
}

/** New credentials for {@link RedisConnection.rotateCredentials}. */
export interface Credentials {
  /** ACL user; omit to keep the current one. */
  username?: string;
  password: string | Secret;
}

/**
 * One resilient connection to Redis (single server, Cluster or Sentinel), from
 * `createConnection`. Use `client` as the ioredis client it is: every command sent through it,
 * or through a `dedicated()` connection, passes the circuit breaker, a deadline and metrics.
 */
export interface RedisConnection<Client extends Redis | Cluster = Redis | Cluster> {
  /**
   * The ioredis client: a `Redis` for single and Sentinel, a `Cluster` for a cluster. Gotcha:
   * do not call `quit()`/`disconnect()` on it; use `close()`, which also stops the timers.
   */
  readonly client: Client;
  readonly topology: RedisTopology;
  /** The connection's current state. */
  readonly state: ConnectionState;
  /** The breaker every command passes (shared with dedicated connections). */
  readonly breaker: CircuitBreaker;
  /**
   * Resolves once connected and ready (connecting first with `lazyConnect`); rejects with
   * `AuthError` if the credentials are refused, or after `timeoutMs` (default: the
   * configured connect timeout).
   */
  connect(options?: { timeoutMs?: number }): Promise<void>;
  /** True when the state is `ready`: commands are expected to succeed now. */
  isHealthy(): boolean;
  /** The last known health, without I/O. */
  health(): ConnectionHealth;
  /** Runs a health check now and returns the result. */
  checkHealth(): Promise<ConnectionHealth>;
  /** Per-command counters and latency histograms. */
  metrics(): CommandMetricsSnapshot;
  /** Subscribes to an event; call the returned function to unsubscribe. */
  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void;
  /**
   * A new connection of the same kind, for blocking commands (BLPOP, XREAD BLOCK) and pub/sub,
   * which would stall or take over the shared one. Guarded like `client` (a blocking command's
   * deadline is its own timeout plus the command timeout; 0 blocks without deadline) and
   * closed by `close()`; close it earlier with `quit()`.
   */
  dedicated(): Client;
  /**
   * Re-authenticates every live connection with new credentials (AUTH on each socket, in line
   * with the commands already queued, so none is dropped) and uses them for every later
   * reconnect. Rejects with `AuthError` and keeps the old credentials if Redis refuses the new
   * ones. Gotcha: the server must accept both during the switch (ACL users can have two
   * passwords) or in-flight reconnects may fail.
   */
  rotateCredentials(credentials: Credentials): Promise<void>;
  /**
   * Stops health checks and timers, sends QUIT on the shared sockets (replies already requested
   * are still delivered), waits up to `timeoutMs`, then destroys what remains. Dedicated
   * connections are closed at once (QUIT would wait behind a blocking command); their pending
   * commands, and every command issued afterwards, fail with `ConnectionClosedError`.
   * Idempotent. The one way to close a connection (do not call `quit()`/`disconnect()` on
   * `client`).
   */
  close(options?: CloseOptions): Promise<void>;
  /**
   * `close()` with the default drain timeout, so that `await using connection =
   * createConnection(config)` closes the connection (sockets and timers) when the scope ends.
   */
  [Symbol.asyncDispose](): Promise<void>;
}
