import type { CircuitBreakerOptions } from '@redgrid/core';
import type { Logger } from '../logging/logger.js';
import type { CommandOutcome } from '../metrics/command-metrics.js';

/** What the `onCommand` metrics hook receives for each finished command. */
export interface CommandMetricsEvent {
  /** Command name in upper case, e.g. `GET`. Never its arguments. */
  readonly command: string;
  /** How it ended. */
  readonly outcome: CommandOutcome;
  /** From the guarded send to the reply, in ms (0 when `rejected`). */
  readonly durationMs: number;
}

/** Per-command hooks for an exporter (Prometheus, OpenTelemetry, StatsD). */
export interface ConnectionMetricsHooks {
  /**
   * Called synchronously once per finished command, on the hot path: keep it to a counter
   * increment or a histogram record. The built-in counters (`connection.metrics()`) are kept
   * whether or not a hook is set.
   */
  onCommand?: (event: CommandMetricsEvent) => void;
}

/** Reconnect backoff: capped exponential with full jitter, on every reconnect path. */
export interface ReconnectOptions {
  /** Ceiling of the first delay, in ms. Default 50 (Sentinel: `retryDelayOnFailoverMs`). */
  baseMs?: number;
  /** Largest delay, in ms. Default 2 000. */
  maxMs?: number;
}

/**
 * Behaviour of a connection that is not part of the Redis configuration (which says where
 * Redis is and how to talk to it): observability, breaker tuning, health checks. Every field is
 * optional.
 */
export interface ConnectionOptions {
  /** Names the connection in logs and in the breaker's `CircuitOpenError`. Default `'redis'`. */
  name?: string;
  /**
   * pino-compatible logger (`info(details, message)` etc.). State changes, failovers and
   * connection errors are logged; passwords, keys and command arguments never are.
   */
  logger?: Logger;
  /**
   * Circuit breaker tuning. Default `isFailure` is `isConnectionFailure` (connection errors and
   * timeouts count, reply errors such as WRONGTYPE do not); replace it only to be stricter.
   */
  breaker?: CircuitBreakerOptions;
  /**
   * Period of the health check (a PING per master, CLUSTER INFO on a cluster), in ms. Its
   * latency feeds `health()`, and a failed PING marks the connection degraded. 0 disables it.
   * Default 1 000.
   */
  healthCheckIntervalMs?: number;
  /**
   * Consecutive failed health-check PINGs (timeouts, with the socket still open) after which
   * the socket is considered dead and replaced, for the hosts that vanish without a TCP reset.
   * 0 never replaces it. Default 3.
   */
  reconnectAfterFailedPings?: number;
  /** Reconnect backoff. */
  reconnect?: ReconnectOptions;
  /** Period of the cluster topology refresh (CLUSTER SLOTS), in ms; 0 disables. Default 5 000. */
  clusterRefreshIntervalMs?: number;
  /** Per-command hooks for an exporter. */
  metrics?: ConnectionMetricsHooks;
  /**
   * Connections per server (per master on a cluster) that ordinary commands are spread over,
   * round-robin. Default 1. Gotcha: two commands sent without awaiting the first may then run
   * in either order; transactions, blocking commands, pub/sub and pipelines always stay on the
   * first connection, and so do auto-pipelined batches: with auto-pipelining on (the default),
   * a pool only spreads what is sent one command at a time.
   */
  poolSize?: number;
}
