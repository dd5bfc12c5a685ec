import {
  type Address,
  type CircuitBreaker,
  ConnectionClosedError,
  publish,
  type RedisConfig,
  type RedisTopology,
  Secret,
  type TypedEmitter,
} from '@redgrid/core';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuthRecovery } from '../auth/auth-recovery.js';
import { rotateCredentials } from '../auth/rotate-credentials.js';
import { SlotMasterWatch } from '../cluster/slot-master-watch.js';
import type { CommandGuard } from '../guard/command-guard.js';
import { isAuthFailure } from '../guard/is-connection-failure.js';
import type { UnreachableBreaker } from '../guard/unreachable-breaker.js';
import type { HealthChecker } from '../health/health-checker.js';
import { healthSnapshot } from '../health/health-snapshot.js';
import type { MemoryWatch } from '../health/memory-watch.js';
import { remoteAddress } from '../ioredis/addresses.js';
import { createClient, duplicateClient } from '../ioredis/create-client.js';
import { type InstanceLike, isClusterLike } from '../ioredis/internals.js';
import type { ErrorRecorder } from '../logging/error-recorder.js';
import { type Logger, silentLogger } from '../logging/logger.js';
import { configSecrets, scrubSecrets } from '../logging/scrub-secrets.js';
import { CommandMetrics, type CommandMetricsSnapshot } from '../metrics/command-metrics.js';
import { reconnectOnReadonly } from '../options/readonly-reply.js';
import { type ReconnectBackoffs, reconnectBackoffs } from '../options/reconnect-backoffs.js';
import {
  type IoredisPlan,
  type ReconnectPath,
  toIoredisOptions,
} from '../options/to-ioredis-options.js';
import { createReadReplica } from '../sentinel/read-replica.js';
import type { SentinelFailover } from '../sentinel/sentinel-failover.js';
import { closeClients } from './close-clients.js';
import type { ConnectionOptions } from './connection-options.js';
import { createConnectionParts } from './connection-parts.js';
import { ConnectionPool } from './connection-pool.js';
import { type ConnectionState, deriveState } from './connection-state.js';
import { type FailoverEvent, reportFailover } from './failover-events.js';
import { ownedInstances } from './owned-instances.js';
import type {
  CloseOptions,
  ConnectionEvents,
  ConnectionHealth,
  Credentials,
  RedisConnection,
} from './redis-connection.js';
import { waitUntilReady } from './wait-until-ready.js';
import { watchClient } from './watch-client.js';

const noop = () => {};

/**
 * The connection behind `createConnection`: owns the ioredis client and everything that keeps
 * it honest (guard, breaker, health checks, failover following, credentials recovery) and
 * wires them to each other. Internal: users see it as a `RedisConnection`.
 */
export class ResilientConnection implements RedisConnection {
  readonly topology: RedisTopology;
  readonly breaker: CircuitBreaker;
  readonly client: Redis | Cluster;

  readonly #config: RedisConfig;
  readonly #name: string;
  readonly #logger: Logger;
  readonly #metrics = new CommandMetrics();
  readonly #guard: CommandGuard;
  readonly #emitter: TypedEmitter<ConnectionEvents>;
  readonly #plan: IoredisPlan;
  readonly #backoffs: ReconnectBackoffs;
  readonly #pool: ConnectionPool;
  readonly #secrets = new Set<string>();
  readonly #cleanups: Array<() => void> = [];
  /** Guard detachers of cluster nodes (restored when a node leaves the pool). */
  readonly #detach = new Map<InstanceLike, () => void>();
  /** Listener removers of every watched client (main, dedicated). */
  readonly #watched = new Map<InstanceLike, () => void>();
  readonly #dedicated = new Set<Redis | Cluster>();
  readonly #readyWaiters = new Set<() => void>();
  readonly #memory: MemoryWatch;
  readonly #health: HealthChecker;
  readonly #unreachable: UnreachableBreaker;
  readonly #auth: AuthRecovery;
  /** Sentinel: follows the group's failovers. */
  readonly #sentinel: SentinelFailover | undefined;
  /** The audit log (`REDIS_AUDIT`), when on. */
  readonly #audit: AuditLog | undefined;

  #state: ConnectionState = 'connecting';
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #errors: ErrorRecorder;
  #currentMaster: Address | undefined;
  readonly #slotMasters = new SlotMasterWatch();
  /** Sentinel with replica reads: the connection to a replica that read-only commands go to. */
  #readReplica: Redis | undefined;

  constructor(config: RedisConfig, options: ConnectionOptions) {
    this.#config = config;
    this.topology = config.type;
    this.#name = options.name ?? 'redis';
    this.#logger = options.logger ?? silentLogger;
    for (const secret of configSecrets(config)) this.#secrets.add(secret);
    this.#backoffs = reconnectBackoffs(config, options.reconnect);

    const parts = createConnectionParts(config, options, {
      name: this.#name,
      logger: this.#logger,
      metrics: this.#metrics,
      client: () => this.client as unknown as InstanceLike & { connect(): Promise<unknown> },
      isClosed: () => this.#closed,
      scrub: (text) => this.#scrub(text),
      update: (reason) => this.#update(reason),
      recordError: (error, source, credentials) =>
        this.#recordError(error, source, { credentials }),
      subscriberReconnectDelay: (attempt) => this.#reconnectDelay('sentinel-subscriber', attempt),
      reportFailover: (event) => this.#emitFailover(event),
      masterConnections: () => [
        this.client as unknown as InstanceLike,
        ...(this.#dedicated as unknown as Set<InstanceLike>),
        ...this.#pool.members(),
      ],
      readReplica: () => this.#readReplica as unknown as InstanceLike | undefined,
    });
    this.#emitter = parts.emitter;
    this.#audit = parts.audit;
    this.#errors = parts.errors;
    this.#memory = parts.memory;
    this.#auth = parts.auth;
    this.breaker = parts.breaker;
    this.#guard = parts.guard;
    this.#unreachable = parts.unreachable;
    this.#health = parts.health;
    this.#sentinel = parts.sentinel;
    this.#cleanups.push(...parts.cleanups);

    this.#plan = toIoredisOptions(config, {
      reconnectDelay: (path, attempt, lastError) => this.#reconnectDelay(path, attempt, lastError),
      reconnectOnError: (error) =>
        reconnectOnReadonly(
          {
            connection: this.#name,
            logger: this.#logger,
            topology: this.topology,
            client: this.client,
          },
          error,
        ),
      clusterRefreshIntervalMs: options.clusterRefreshIntervalMs ?? 5_000,
      enableAutoPipelining: config.options.autoPipelining,
    });

    this.#pool = new ConnectionPool(Math.max(1, Math.floor(options.poolSize ?? 1)), {
      onError: (error) => this.#recordError(error, 'pool'),
    });

    this.client = createClient(this.#plan);
    if (config.type === 'sentinel' && config.options.readFrom !== 'master') {
      this.#readReplica = this.#createReadReplica(config.options.readFrom);
    }
    this.#watchClient(this.client as unknown as InstanceLike, 'client');
    this.#guard.start();
    this.#health.start();
    this.#logger.debug(
      { connection: this.#name, topology: this.topology },
      'redis connection created',
    );
  }

  get state(): ConnectionState {
    return this.#state;
  }

  // ---------------------------------------------------------------------------------------
  // Public API

  async connect(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) throw new ConnectionClosedError();
    const instance = this.client as unknown as InstanceLike;
    if (instance.status === 'ready') return;
    const timeoutMs = options.timeoutMs ?? this.#config.options.connectTimeoutMs;
    if (this.#auth.fatal !== undefined) this.#auth.retry(true);
    if (instance.status === 'wait') this.client.connect().catch(noop);
    await waitUntilReady({
      instance,
      timeoutMs,
      waiters: this.#readyWaiters,
      isClosed: () => this.#closed,
      refused: () => this.#auth.fatal,
      describe: () =>
        `(state: ${this.#state}); ${this.#errors.last?.message ?? 'no error reported'}`,
    });
  }

  isHealthy(): boolean {
    return this.#state === 'ready';
  }

  health(): ConnectionHealth {
    return healthSnapshot({
      state: this.#state,
      topology: this.topology,
      client: this.client as unknown as InstanceLike,
      readReplica: this.#readReplica as unknown as InstanceLike | undefined,
      checker: this.#health,
      currentMaster: this.#currentMaster,
      breaker: this.breaker,
      inFlight: this.#guard.inFlight,
      lastError: this.#errors.last,
      memory: this.#memory,
    });
  }

  async checkHealth(): Promise<ConnectionHealth> {
    await this.#health.run();
    return this.health();
  }

  metrics(): CommandMetricsSnapshot {
    return this.#metrics.snapshot();
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void {
    return this.#emitter.on(event, listener);
  }

  dedicated(): Redis | Cluster {
    if (this.#closed) throw new ConnectionClosedError();
    const connection = duplicateClient(this.client);
    this.#dedicated.add(connection);
    const instance = connection as unknown as InstanceLike;
    this.#watchClient(instance, 'dedicated');
    const onEnd = () => {
      if (this.#closed) return;
      this.#dedicated.delete(connection);
      this.#unwatch(instance);
    };
    connection.once('end', onEnd);
    return connection;
  }

  async rotateCredentials(credentials: Credentials): Promise<void> {
    if (this.#closed) throw new ConnectionClosedError();
    const password = Secret.isInstance(credentials.password)
      ? credentials.password.reveal()
      : credentials.password;
    this.#secrets.add(password);
    await rotateCredentials({
      credentials,
      password,
      auth: this.#auth,
      connection: this.#name,
      logger: this.#logger,
      instances: (includeNotReady) => this.#allInstances(includeNotReady),
      timeoutMs: this.#config.options.commandTimeoutMs || this.#config.options.connectTimeoutMs,
      scrub: (text) => this.#scrub(text),
    });
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? 2_000);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---------------------------------------------------------------------------------------
  // Client wiring

  /**
   * A Sentinel-resolved connection to a replica (ioredis `role: 'slave'`), not guarded itself:
   * read-only commands reach it through the master connection's guarded `sendCommand` (see
   * `replicaReadRoute`), already admitted and with their deadline. It connects with the master.
   */
  #createReadReplica(mode: 'replica' | 'prefer-replica'): Redis {
    const { replica, cleanups } = createReadReplica({
      options: this.#plan.options as RedisOptions,
      primary: this.client as unknown as InstanceLike,
      mode,
      guard: this.#guard,
      onError: (error) => this.#recordError(error, 'read replica'),
    });
    this.#cleanups.push(...cleanups);
    return replica;
  }

  #watchClient(instance: InstanceLike, role: 'client' | 'dedicated'): void {
    const unwatch = watchClient(instance, role, {
      guard: this.#guard,
      pool: this.#pool,
      detach: this.#detach,
      sentinel: this.#plan.type === 'sentinel',
      onStatus: (status) => this.#onClientStatus(status),
      onReady: (target, isMain) => this.#onReady(target, isMain),
      onError: (error, source) => this.#recordError(error, source),
      onClusterRefresh: (cluster) => {
        for (const change of this.#slotMasters.refreshed(cluster)) this.#emitFailover(change);
      },
    });
    this.#watched.set(instance, unwatch);
  }

  #unwatch(instance: InstanceLike): void {
    this.#watched.get(instance)?.();
    this.#watched.delete(instance);
  }

  #onClientStatus(status: string): void {
    if (status === 'connecting') this.#sentinel?.start();
    if (status === 'reconnecting' || status === 'close' || status === 'end') {
      this.#health.forgetLatency();
      if (status !== 'end') this.#unreachable.lost();
    }
    this.#update(`client ${status}`);
  }

  #onReady(instance: InstanceLike, isMain: boolean): void {
    if (isClusterLike(instance) && instance.options.enableOfflineQueue !== false) {
      // First ready: from now on, honour the configured offline queue (see toIoredisOptions).
      if (this.#config.type === 'cluster') {
        instance.options.enableOfflineQueue = this.#config.options.enableOfflineQueue;
      }
    }
    if (!isMain) return;
    this.#auth.accepted();
    const current = isClusterLike(instance) ? undefined : remoteAddress(instance);
    if (current !== undefined) {
      const previous = this.#currentMaster;
      this.#currentMaster = current;
      if (this.#sentinel?.connected(instance, current, previous) === false) return;
    }
    this.#health.forgetFailedPings(instance);
    this.#unreachable.reached();
    this.#update('client ready');
    // Measure latency right away rather than up to one interval later.
    if (this.#health.enabled) void this.#health.run();
  }

  #emitFailover(event: FailoverEvent): void {
    reportFailover({ connection: this.#name, logger: this.#logger, emitter: this.#emitter }, event);
  }

  // ---------------------------------------------------------------------------------------
  // Breaker, errors, state

  #recordError(error: Error, source: string, options: { credentials?: boolean } = {}): void {
    if (this.#closed) return;
    this.#errors.record(error, source, options.credentials !== false);
    this.#update(`error from ${source}`);
  }

  #reconnectDelay(path: ReconnectPath, attempt: number, lastError?: Error): number | null {
    if (this.#closed || this.#closing !== undefined) return null;
    const nodeError = (lastError as { lastNodeError?: unknown } | undefined)?.lastNodeError;
    if (lastError !== undefined && (isAuthFailure(lastError) || isAuthFailure(nodeError))) {
      this.#auth.refused(isAuthFailure(lastError) ? lastError : nodeError);
    }
    if (this.#auth.fatal !== undefined && path !== 'sentinel-subscriber') return null;
    // Right after a +switch-master the new master is known: reconnect at once.
    if (path === 'server' && this.#sentinel?.takeImmediateRetry() === true) return 0;
    const delay = Math.round(this.#backoffs[path]?.(attempt) ?? 1_000);
    this.#logger.debug(
      { connection: this.#name, path, attempt, delayMs: delay },
      'redis reconnect',
    );
    return delay;
  }

  #update(reason: string): void {
    const client = this.client as unknown as InstanceLike | undefined;
    if (client === undefined) return; // during construction
    const next = deriveState({
      closed: this.#closed,
      fatal: this.#auth.fatal !== undefined,
      clientStatus: client.status,
      breaker: this.breaker.state,
      healthCheckFailing: this.#health.failing,
      memoryWarning: this.#memory.warning,
      clusterState: this.#health.clusterState,
    });
    for (const waiter of [...this.#readyWaiters]) waiter();
    if (next === this.#state) return;
    const from = this.#state;
    this.#state = next;
    const log =
      next === 'ready' || next === 'connecting' || next === 'closed'
        ? this.#logger.info
        : this.#logger.warn;
    log({ connection: this.#name, from, to: next, reason }, `redis connection ${next}`);
    this.#emitter.emit('state', { from, to: next, reason });
    publish('redgrid:connection:state', { connection: this.#name, from, to: next, reason });
  }

  #scrub(text: string): string {
    return scrubSecrets(text, this.#secrets);
  }

  // ---------------------------------------------------------------------------------------
  // Shutdown

  /** Every ioredis instance owned: main client, cluster nodes, dedicated, pool members. */
  #allInstances(includeNotReady = false): InstanceLike[] {
    const clients = [this.client, ...(this.#readReplica === undefined ? [] : [this.#readReplica])];
    return ownedInstances([...clients, ...this.#dedicated], this.#pool.members(), includeNotReady);
  }

  async #close(timeoutMs: number): Promise<void> {
    // Commands issued before close() may still sit in an auto-pipeline, which ioredis sends on
    // the next tick: let them go out, so that QUIT drains them with the rest.
    await new Promise((resolve) => setImmediate(resolve));
    this.#closed = true;
    this.#guard.refuseNew();
    this.#health.stop();
    this.#unreachable.stop();
    const watcherStopped = this.#sentinel?.stop() ?? Promise.resolve();
    // Dedicated connections hold blocking commands and subscriptions: QUIT would wait behind a
    // BLPOP, so they are closed at once. The shared ones drain with QUIT first.
    const dedicated = [...this.#dedicated];
    const shared: Array<Redis | Cluster> = [
      this.client,
      ...(this.#readReplica === undefined ? [] : [this.#readReplica]),
      ...(this.#pool.members() as unknown as Redis[]),
    ];
    await closeClients({ shared, dedicated, timeoutMs, alsoWait: watcherStopped });
    this.#guard.close();
    this.#pool.clear();
    for (const unwatch of this.#watched.values()) unwatch();
    this.#watched.clear();
    this.#detach.clear();
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#dedicated.clear();
    this.breaker.dispose();
    this.#audit?.close();
    this.#update('closed');
    this.#emitter.clear();
    this.#readyWaiters.clear();
    this.#logger.debug({ connection: this.#name }, 'redis connection closed');
  }
}
