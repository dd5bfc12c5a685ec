import { CircuitBreaker, type RedisConfig, TypedEmitter } from '@redgrid/core';
import { AuditLog } from '../audit/audit-log.js';
import { AuthRecovery } from '../auth/auth-recovery.js';
import type { CommandGuard } from '../guard/command-guard.js';
import { createConnectionGuard } from '../guard/create-connection-guard.js';
import { isConnectionFailure } from '../guard/is-connection-failure.js';
import { UnreachableBreaker } from '../guard/unreachable-breaker.js';
import { HealthChecker } from '../health/health-checker.js';
import type { MemoryWatch } from '../health/memory-watch.js';
import { watchMemory } from '../health/watch-memory.js';
import type { InstanceLike } from '../ioredis/internals.js';
import { ErrorRecorder } from '../logging/error-recorder.js';
import { listenerErrorLogger } from '../logging/listener-error-logger.js';
import type { Logger } from '../logging/logger.js';
import { createCommandHook } from '../metrics/command-hook.js';
import type { CommandMetrics } from '../metrics/command-metrics.js';
import { SentinelFailover } from '../sentinel/sentinel-failover.js';
import { reportBreakerTransitions } from './breaker-events.js';
import type { ConnectionOptions } from './connection-options.js';
import type { FailoverEvent } from './failover-events.js';
import type { ConnectionEvents } from './redis-connection.js';

/** What the parts of a connection call back into it for. */
export interface ConnectionHost {
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: CommandMetrics;
  /** The main ioredis client (only called once it exists). */
  client(): InstanceLike & { connect(): Promise<unknown> };
  isClosed(): boolean;
  scrub(text: string): string;
  /** Re-derives the connection's state after `reason`. */
  update(reason: string): void;
  /** A connection-level error; `credentials: false` when it says nothing about them. */
  recordError(error: Error, source: string, credentials: boolean): void;
  /** Delay before reconnect attempt `attempt` of a Sentinel watcher subscription, or null. */
  subscriberReconnectDelay(attempt: number): number | null;
  reportFailover(event: FailoverEvent): void;
  /** Every connection to the master: main client, dedicated, pooled. */
  masterConnections(): InstanceLike[];
  readReplica(): InstanceLike | undefined;
}

/** The collaborators of one connection, wired to each other and to the connection. */
export interface ConnectionParts {
  emitter: TypedEmitter<ConnectionEvents>;
  audit: AuditLog | undefined;
  errors: ErrorRecorder;
  memory: MemoryWatch;
  auth: AuthRecovery;
  breaker: CircuitBreaker;
  guard: CommandGuard;
  unreachable: UnreachableBreaker;
  health: HealthChecker;
  sentinel: SentinelFailover | undefined;
  /** Listener removers to call on close. */
  cleanups: Array<() => void>;
}

/**
 * Builds the collaborators of a connection from its configuration and options: events, audit
 * log, error recorder, memory watch, credentials recovery, breaker, command guard, unreachable
 * trip, health checks and (Sentinel) failover following. Nothing here connects or starts a timer.
 */
export function createConnectionParts(
  config: RedisConfig,
  options: ConnectionOptions,
  host: ConnectionHost,
): ConnectionParts {
  const { name: connection, logger } = host;
  const onListenerError = listenerErrorLogger(connection, logger);
  const emitter = new TypedEmitter<ConnectionEvents>({
    name: `redis connection "${connection}"`,
    onListenerError,
  });
  const audit = config.options.audit
    ? new AuditLog({ connection, logger: options.logger, keys: config.options.auditKeys })
    : undefined;
  const scrub = (text: string) => host.scrub(text);
  const errors = new ErrorRecorder({
    connection,
    logger,
    emitter,
    scrub,
    onAuthFailure: (error) => auth.refused(error),
  });
  const memory = watchMemory({
    connection,
    logger,
    warnRatio: config.options.memoryWarnRatio,
    onWarningChange: (report) => emitter.emit('memory', report),
  });
  const auth: AuthRecovery = new AuthRecovery({
    connection,
    logger,
    username: config.options.username,
    client: () => host.client(),
    isClosed: () => host.isClosed(),
    setFatalError: (error) => guard.setFatalError(error),
    scrub,
  });

  const userIsFailure = options.breaker?.isFailure;
  const breaker = new CircuitBreaker({
    name: connection,
    onListenerError,
    ...options.breaker,
    isFailure: userIsFailure ?? isConnectionFailure,
  });
  const cleanups = reportBreakerTransitions({
    breaker,
    connection,
    logger,
    emitter,
    onTransition: (to) => host.update(`breaker ${to}`),
  });

  const guard: CommandGuard = createConnectionGuard({
    config,
    connection,
    logger,
    breaker,
    metrics: host.metrics,
    isFailure: userIsFailure ?? isConnectionFailure,
    onCommand: createCommandHook({
      connection,
      logger,
      onCommand: options.metrics?.onCommand,
      audit: config.options.auditWrites ? audit : undefined,
    }),
    translateError: (error) => auth.translate(error),
  });
  const unreachable = new UnreachableBreaker({
    connection,
    logger,
    breaker,
    timeoutMs: config.options.commandTimeoutMs,
    isClosed: () => host.isClosed(),
    isReady: () => host.client().status === 'ready',
  });
  const health = new HealthChecker({
    connection,
    logger,
    intervalMs: options.healthCheckIntervalMs ?? 1_000,
    reconnectAfterFailedPings: options.reconnectAfterFailedPings ?? 3,
    breaker,
    memory,
    client: () => host.client(),
    isClosed: () => host.isClosed(),
    credentialsRefused: () => {
      if (auth.fatal === undefined) return false;
      auth.retry(false);
      return true;
    },
    onPingFailed: (message) => errors.keep(message),
    onChecked: (reason) => host.update(reason),
    scrub,
  });
  const sentinel =
    config.type === 'sentinel'
      ? new SentinelFailover({
          connection,
          logger,
          config: config.options,
          isClosed: () => host.isClosed(),
          subscriberReconnectDelay: (attempt) => host.subscriberReconnectDelay(attempt),
          fence: () => guard.fence,
          masterConnections: () => host.masterConnections(),
          readReplica: () => host.readReplica(),
          onFailover: (event) => host.reportFailover(event),
          onError: (error, source) => host.recordError(error, source, false),
        })
      : undefined;
  return {
    emitter,
    audit,
    errors,
    memory,
    auth,
    breaker,
    guard,
    unreachable,
    health,
    sentinel,
    cleanups,
  };
}
