import {
  type Address,
  AuthError,
  CircuitBreaker,
  type CircuitState,
  type CommandMessage,
  CommandTimeoutError,
  ConnectionClosedError,
  defineConfig,
  exponentialBackoff,
  publish,
  type RedisConfig,
  type RedisConfigInput,
  type RedisTopology,
  redgridChannel,
  Secret,
  TypedEmitter,
} from '@redgrid/core';
import {
  Cluster,
  type ClusterNode,
  type ClusterOptions,
  Command,
  Redis,
  type RedisOptions,
} from 'ioredis';
import { AuditLog } from '../audit/audit-log.js';
import { detectMasterChanges } from '../cluster/detect-master-changes.js';
import { guardClusterPipelines } from '../cluster/guard-cluster-pipelines.js';
import { WriteFence } from '../fence/write-fence.js';
import { CommandGuard } from '../guard/command-guard.js';
import type { CommandEvent } from '../guard/command-guard-options.js';
import { isAuthFailure, isConnectionFailure } from '../guard/is-connection-failure.js';
import { MemoryWatch } from '../health/memory-watch.js';
import {
  type ClusterLike,
  type CommandLike,
  type InstanceLike,
  isClusterLike,
  offlineQueueLength,
} from '../ioredis/internals.js';
import { type Logger, silentLogger } from '../logging/logger.js';
import { scrubSecrets } from '../logging/scrub-secrets.js';
import { CommandMetrics, type CommandMetricsSnapshot } from '../metrics/command-metrics.js';
import {
  type IoredisPlan,
  type ReconnectPath,
  toIoredisOptions,
  toTlsConnectionOptions,
} from '../options/to-ioredis-options.js';
import type { SwitchMaster } from '../sentinel/parse-switch-master.js';
import { SwitchMasterWatcher } from '../sentinel/switch-master-watcher.js';
import type { ConnectionOptions } from './connection-options.js';
import { ConnectionPool } from './connection-pool.js';
import { type ConnectionState, deriveState } from './connection-state.js';
import type {
  CloseOptions,
  ConnectionEvents,
  ConnectionHealth,
  Credentials,
  RedisConnection,
} from './redis-connection.js';
import { replicaReadRoute } from './replica-reads.js';

/** The ioredis client type a configuration produces: `Cluster` for a cluster, else `Redis`. */
export type ClientFor<Config extends RedisConfig | RedisConfigInput> = Config extends {
  type: 'cluster';
}
  ? Cluster
  : Config extends { type: 'single' | 'sentinel' }
    ? Redis
    : Redis | Cluster;

const noop = () => {};
// ioredis 6 types its constructors with a reply-mapping type parameter; these aliases pin the
// default ("legacy" replies), which is what `client` is typed as. (Cluster's options type does
// not accept its own `ClusterOptions` under exactOptionalPropertyTypes, hence the cast.)
const RedisClient: new (options: RedisOptions) => Redis = Redis;
const ClusterClient = Cluster as unknown as new (
  nodes: ClusterNode[],
  options: ClusterOptions,
) => Cluster;
const authRetryBackoff = exponentialBackoff({ baseMs: 2_000, maxMs: 60_000 });
// Connection errors repeat on every reconnect attempt; the same message is logged at most this
// often (the count of repeats is reported with the next one).
const errorLogIntervalMs = 5_000;
// After a +switch-master, how long a connection that lands elsewhere is retried towards the
// announced master (later, the Sentinels' current answer is trusted as it is).
const staleMasterWindowMs = 10_000;

/**
 * Creates a resilient connection to Redis: single server, Cluster or Sentinel, chosen by
 * `config.type`, with the same application code for all three. The config may be a validated
 * `RedisConfig` (`defineConfig`, `loadConfigFromEnv`) or the input of `defineConfig`, which is
 * validated here (throws `ConfigError`).
 *
 * Every command sent through `connection.client` (and `dedicated()` connections) passes the
 * circuit breaker, a deadline (`commandTimeoutMs`) and metrics. Nothing connects before the
 * first command when `lazyConnect` is on (the default); call `connect()` to connect eagerly.
 * Always `close()` the connection: it owns timers and sockets.
 *
 * @example
 * const connection = createConnection(loadConfigFromEnv(), { logger });
 * await connection.client.set('greeting', 'hello');
 * console.log(connection.health());
 * await connection.close();
 */
export function createConnection<Config extends RedisConfig | RedisConfigInput>(
  config: Config,
  options: ConnectionOptions = {},
): RedisConnection<ClientFor<Config>> {
  const validated = defineConfig(config as RedisConfigInput) as RedisConfig;
  return new ResilientConnection(validated, options) as unknown as RedisConnection<
    ClientFor<Config>
  >;
}

interface Backoffs {
  readonly [path: string]: (attempt: number) => number;
}

class ResilientConnection implements RedisConnection {
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
  readonly #backoffs: Backoffs;
  readonly #healthIntervalMs: number;
  readonly #reconnectAfterFailedPings: number;
  readonly #pool: ConnectionPool;
  readonly #secrets = new Set<string>();
  readonly #cleanups: Array<() => void> = [];
  /** Guard detachers of cluster nodes (restored when a node leaves the pool). */
  readonly #detach = new Map<InstanceLike, () => void>();
  /** Listener removers of every watched client (main, dedicated). */
  readonly #watched = new Map<InstanceLike, () => void>();
  readonly #dedicated = new Set<Redis | Cluster>();
  readonly #failedPings = new WeakMap<InstanceLike, number>();
  readonly #readyWaiters = new Set<() => void>();
  readonly #memory: MemoryWatch;
  /** The audit log (`REDIS_AUDIT`), when on. */
  readonly #audit: AuditLog | undefined;

  #state: ConnectionState = 'connecting';
  #fatal: AuthError | undefined;
  #authAttempts = 0;
  #authRetryAtMs = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  /** Runs while the main client has no socket; trips the breaker after one deadline. */
  #unreachableTimer: NodeJS.Timeout | undefined;
  /** The breaker was tripped because the server was unreachable (closed again on reconnect). */
  #trippedUnreachable = false;
  #healthRunning: Promise<void> | undefined;
  #healthCheckFailing = false;
  #latencyMs: number | undefined;
  #clusterState: string | undefined;
  #checkedAt: Date | undefined;
  #lastError: { message: string; at: Date } | undefined;
  #lastLogged = new Map<string, { at: number; repeats: number }>();
  #currentMaster: Address | undefined;
  #switchTarget: Address | undefined;
  #switchAtMs = Number.NEGATIVE_INFINITY;
  #staleMasterRetries = 0;
  #immediateRetries = 0;
  #watcher: SwitchMasterWatcher | undefined;
  #slotMasters: Array<string | undefined> = [];
  /** Sentinel with replica reads: the connection to a replica that read-only commands go to. */
  #readReplica: Redis | undefined;
  #username: string | undefined;

  constructor(config: RedisConfig, options: ConnectionOptions) {
    this.#config = config;
    this.topology = config.type;
    this.#name = options.name ?? 'redis';
    this.#logger = options.logger ?? silentLogger;
    this.#healthIntervalMs = options.healthCheckIntervalMs ?? 1_000;
    this.#reconnectAfterFailedPings = options.reconnectAfterFailedPings ?? 3;
    this.#username = config.options.username;
    if (config.options.password !== undefined) this.#secrets.add(config.options.password.reveal());
    if (config.type === 'sentinel' && config.options.sentinelPassword !== undefined) {
      this.#secrets.add(config.options.sentinelPassword.reveal());
    }
    if (config.options.tls?.key !== undefined) this.#secrets.add(config.options.tls.key.reveal());

    const reconnectBase =
      options.reconnect?.baseMs ??
      (config.type === 'sentinel' ? config.options.retryDelayOnFailoverMs : 50);
    const reconnectMax = options.reconnect?.maxMs ?? 2_000;
    const serverBackoff = exponentialBackoff({ baseMs: reconnectBase, maxMs: reconnectMax });
    this.#backoffs = {
      server: serverBackoff,
      cluster: serverBackoff,
      sentinel: serverBackoff,
      'sentinel-subscriber': exponentialBackoff({ baseMs: 500, maxMs: 10_000 }),
    };

    const onListenerError = (error: unknown, event: string | number | symbol) => {
      this.#logger.error(
        { connection: this.#name, event: String(event), err: messageOf(error) },
        'redis connection event listener threw (ignored)',
      );
    };
    this.#emitter = new TypedEmitter<ConnectionEvents>({
      name: `redis connection "${this.#name}"`,
      onListenerError,
    });
    this.#audit = config.options.audit
      ? new AuditLog({
          connection: this.#name,
          logger: options.logger,
          keys: config.options.auditKeys,
        })
      : undefined;
    this.#memory = new MemoryWatch({
      connection: this.#name,
      warnRatio: config.options.memoryWarnRatio,
      onWarningChange: (report) => {
        const percent = Math.round((report.ratio ?? 0) * 100);
        if (report.warning) {
          this.#logger.warn(
            { connection: this.#name, node: report.node, usedPercent: percent },
            `redis node ${report.node} uses ${percent}% of its maxmemory`,
          );
        } else {
          this.#logger.info(
            { connection: this.#name, node: report.node, usedPercent: percent },
            `redis node ${report.node} memory back under the warning ratio`,
          );
        }
        this.#emitter.emit('memory', report);
      },
    });

    const userIsFailure = options.breaker?.isFailure;
    this.breaker = new CircuitBreaker({
      name: this.#name,
      onListenerError,
      ...options.breaker,
      isFailure: userIsFailure ?? isConnectionFailure,
    });
    this.#wireBreaker();

    const { commandTimeoutMs, waitReplicas, waitTimeoutMs } = config.options;
    this.#guard = new CommandGuard({
      breaker: this.breaker,
      commandTimeoutMs,
      metrics: this.#metrics,
      isFailure: userIsFailure ?? isConnectionFailure,
      onCommand: this.#commandHook(options),
      translateError: (error) => this.#translateError(error),
      // See toIoredisOptions: without a deadline, ioredis counts retries itself.
      maxResends: commandTimeoutMs > 0 ? config.options.maxRetriesPerRequest : null,
      ...(config.type === 'cluster'
        ? { clusterRetryDelayMs: config.options.retryDelayOnFailoverMs }
        : {}),
      // Sentinel: writes are held during a failover even without WAIT (see WriteFence).
      fence:
        waitReplicas > 0 || config.type === 'sentinel'
          ? {
              replicas: waitReplicas,
              timeoutMs: waitTimeoutMs,
              holdLimitMs: commandTimeoutMs > 0 ? commandTimeoutMs : 5_000,
              createWait: (replicas, timeoutMs) =>
                new Command('wait', [replicas, timeoutMs]) as unknown as CommandLike,
              onHoldExpired: () =>
                this.#logger.warn(
                  { connection: this.#name },
                  'redis failover not confirmed by +switch-master in time; releasing held writes',
                ),
            }
          : undefined,
    });

    this.#plan = toIoredisOptions(config, {
      reconnectDelay: (path, attempt, lastError) => this.#reconnectDelay(path, attempt, lastError),
      reconnectOnError: (error) => this.#reconnectOnError(error),
      clusterRefreshIntervalMs: options.clusterRefreshIntervalMs ?? 5_000,
      enableAutoPipelining: config.options.autoPipelining,
    });

    this.#pool = new ConnectionPool(Math.max(1, Math.floor(options.poolSize ?? 1)), {
      onError: (error) => this.#recordError(error, 'pool'),
    });

    this.client =
      this.#plan.type === 'cluster'
        ? new ClusterClient(this.#plan.startupNodes, this.#plan.options)
        : new RedisClient(this.#plan.options);
    if (config.type === 'sentinel' && config.options.readFrom !== 'master') {
      this.#readReplica = this.#createReadReplica(config.options.readFrom);
    }
    this.#watchClient(this.client as unknown as InstanceLike, 'client');
    this.#guard.start();
    this.#startHealthChecks();
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
    if (this.#fatal !== undefined) this.#retryAfterAuthFailure(true);
    if (instance.status === 'wait') this.client.connect().catch(noop);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        finish();
        reject(
          this.#fatal ??
            new CommandTimeoutError({
              command: 'CONNECT',
              timeoutMs,
              message: `Could not connect to Redis within ${timeoutMs} ms (state: ${this.#state}); ${this.#lastError?.message ?? 'no error reported'}`,
            }),
        );
      }, timeoutMs);
      const check = () => {
        if (instance.status === 'ready') {
          finish();
          resolve();
        } else if (this.#closed) {
          finish();
          reject(new ConnectionClosedError());
        } else if (this.#fatal !== undefined) {
          finish();
          reject(this.#fatal);
        }
      };
      const finish = () => {
        clearTimeout(timer);
        this.#readyWaiters.delete(check);
      };
      this.#readyWaiters.add(check);
      check();
    });
  }

  isHealthy(): boolean {
    return this.#state === 'ready';
  }

  health(): ConnectionHealth {
    const instance = this.client as unknown as InstanceLike;
    const replica = this.#readReplica as unknown as InstanceLike | undefined;
    let nodeCount = instance.status === 'ready' ? 1 : 0;
    let masterCount = nodeCount;
    let offlineQueueDepth = offlineQueueLength(instance);
    if (isClusterLike(instance)) {
      const nodes = instance.nodes('all');
      nodeCount = nodes.length;
      masterCount = instance.nodes('master').length;
      for (const node of nodes) offlineQueueDepth += offlineQueueLength(node);
    }
    return {
      state: this.#state,
      healthy: this.#state === 'ready',
      topology: this.topology,
      latencyMs: this.#latencyMs,
      nodeCount,
      masterCount,
      clusterState: this.#clusterState,
      currentMaster: this.#currentMaster === undefined ? undefined : { ...this.#currentMaster },
      breaker: this.breaker.stats(),
      offlineQueueDepth,
      inFlight: this.#guard.inFlight,
      lastError: this.#lastError === undefined ? undefined : { ...this.#lastError },
      checkedAt: this.#checkedAt,
      memory: this.#memory.snapshot(),
      ...(replica === undefined
        ? {}
        : { readReplica: { status: replica.status, address: remoteAddress(replica) } }),
    };
  }

  async checkHealth(): Promise<ConnectionHealth> {
    await this.#runHealthCheck();
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
    let connection: Redis | Cluster;
    if (this.client instanceof Cluster) {
      // Queue until first ready, like the main cluster (see toIoredisOptions).
      connection = this.client.duplicate([], { enableOfflineQueue: true });
    } else {
      connection = this.client.duplicate();
    }
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
    const username = credentials.username ?? this.#username;
    this.#secrets.add(password);
    const live = this.#allInstances().filter((instance) => instance.status === 'ready');
    const timeoutMs =
      this.#config.options.commandTimeoutMs || this.#config.options.connectTimeoutMs;
    const results = await Promise.allSettled(
      live.map((instance) => authenticate(instance, username, password, timeoutMs)),
    );
    const refused = results.find(
      (result): result is PromiseRejectedResult =>
        result.status === 'rejected' && isAuthFailure(result.reason),
    );
    if (refused !== undefined) {
      const error = new AuthError(
        `Redis refused the new credentials${username === undefined ? '' : ` of ACL user "${username}"`} (${this.#scrub(messageOf(refused.reason))}); the previous credentials stay in use`,
        { cause: refused.reason },
      );
      this.#logger.error({ connection: this.#name }, error.message);
      publish('redgrid:admin', {
        act: 'credentials-rotated',
        outcome: 'failed',
        target: this.#name,
      });
      throw error;
    }
    this.#username = username;
    for (const instance of this.#allInstances(true)) setCredentials(instance, username, password);
    this.#logger.info(
      { connection: this.#name, connections: live.length },
      'redis credentials rotated',
    );
    publish('redgrid:admin', {
      act: 'credentials-rotated',
      outcome: 'succeeded',
      target: this.#name,
      details: { connections: live.length, ...(username === undefined ? {} : { username }) },
    });
    if (this.#fatal !== undefined) this.#retryAfterAuthFailure(true);
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? 2_000);
    return this.#closing;
  }

  // ---------------------------------------------------------------------------------------
  // Client wiring

  /**
   * A Sentinel-resolved connection to a replica (ioredis `role: 'slave'`), not guarded itself:
   * read-only commands reach it through the master connection's guarded `sendCommand` (see
   * `replicaReadRoute`), already admitted and with their deadline. It connects with the master.
   */
  #createReadReplica(mode: 'replica' | 'prefer-replica'): Redis {
    const replica = new RedisClient({ ...(this.#plan.options as RedisOptions), role: 'slave' });
    const instance = replica as unknown as InstanceLike;
    const primary = this.client as unknown as InstanceLike;
    const onError = (error: Error) => this.#recordError(error, 'read replica');
    const connect = () => {
      if (replica.status === 'wait') replica.connect().catch(noop);
    };
    replica.on('error', onError);
    primary.on('ready', connect);
    this.#cleanups.push(
      this.#guard.addRoute(primary, replicaReadRoute(primary, instance, mode)),
      () => {
        replica.removeListener('error', onError);
        primary.removeListener('ready', connect);
      },
    );
    return replica;
  }

  #watchClient(instance: InstanceLike, role: 'client' | 'dedicated'): void {
    const cleanups: Array<() => void> = [];
    const listen = (event: string, listener: (...args: never[]) => void) => {
      instance.on(event, listener);
      cleanups.push(() => instance.removeListener(event, listener));
    };
    // The guard stays attached for good, also after close(): later commands then fail with
    // ConnectionClosedError. Only the listeners are removed by #unwatch.
    this.#guard.attach(instance, { countResends: !isClusterLike(instance) });
    const isMain = role === 'client';
    const onStatus = (status: string) => () => {
      if (isMain) this.#onClientStatus(status);
    };
    for (const status of ['connecting', 'connect', 'close', 'reconnecting', 'end']) {
      listen(status, onStatus(status));
    }
    listen('ready', () => this.#onReady(instance, isMain));
    listen('error', (error: Error) => this.#recordError(error, role));

    if (isClusterLike(instance)) {
      cleanups.push(guardClusterPipelines(instance));
      const attachNode = (node: InstanceLike) => {
        if (this.#detach.has(node)) return;
        this.#detach.set(node, this.#guard.attach(node));
        if (isMain) this.#pool.add(node, this.#guard);
      };
      for (const node of instance.nodes('all')) attachNode(node);
      listen('+node', (node: InstanceLike) => attachNode(node));
      listen('-node', (node: InstanceLike) => {
        this.#detach.get(node)?.();
        this.#detach.delete(node);
        this.#pool.remove(node);
      });
      listen('node error', (error: Error, key: string) =>
        this.#recordError(error, `${role} node ${key}`),
      );
      if (isMain) listen('refresh', () => this.#onClusterRefresh(instance));
    } else {
      if (this.#plan.type === 'sentinel') {
        listen('sentinelError', (error: Error) => this.#recordError(error, `${role} sentinel`));
      }
      if (isMain) this.#pool.add(instance, this.#guard);
    }
    this.#watched.set(instance, () => {
      for (const cleanup of cleanups) cleanup();
    });
  }

  #unwatch(instance: InstanceLike): void {
    this.#watched.get(instance)?.();
    this.#watched.delete(instance);
  }

  #onClientStatus(status: string): void {
    if (status === 'connecting' && this.#plan.type === 'sentinel') this.#startSentinelWatcher();
    if (status === 'reconnecting' || status === 'close' || status === 'end') {
      this.#latencyMs = undefined;
      if (status !== 'end') this.#watchUnreachable();
    }
    this.#update(`client ${status}`);
  }

  /**
   * A server that stays unreachable for a whole command deadline opens the breaker, so that
   * from then on callers fail fast (and fallbacks serve) instead of each command waiting out its
   * own deadline: without it, a request that makes several Redis calls would wait one deadline
   * per call until enough of them had failed to trip the breaker. A failover shorter than the
   * deadline never trips it. Reconnecting closes the breaker again.
   */
  #watchUnreachable(): void {
    const timeoutMs = this.#config.options.commandTimeoutMs;
    if (this.#unreachableTimer !== undefined || timeoutMs <= 0 || this.#closed) return;
    this.#unreachableTimer = setTimeout(() => {
      this.#unreachableTimer = undefined;
      const status = (this.client as unknown as InstanceLike).status;
      if (this.#closed || status === 'ready' || this.breaker.state !== 'closed') return;
      this.#logger.warn(
        { connection: this.#name, unreachableForMs: timeoutMs },
        'redis unreachable for a whole command deadline; failing fast until it is back',
      );
      this.#trippedUnreachable = true;
      this.breaker.trip();
    }, timeoutMs);
    this.#unreachableTimer.unref();
  }

  #onReady(instance: InstanceLike, isMain: boolean): void {
    if (isClusterLike(instance) && instance.options.enableOfflineQueue !== false) {
      // First ready: from now on, honour the configured offline queue (see toIoredisOptions).
      if (this.#config.type === 'cluster') {
        instance.options.enableOfflineQueue = this.#config.options.enableOfflineQueue;
      }
    }
    if (!isMain) return;
    if (this.#fatal !== undefined) {
      this.#logger.info({ connection: this.#name }, 'redis accepted the credentials again');
      this.#setFatal(undefined);
      this.#authAttempts = 0;
    }
    if (!isClusterLike(instance)) {
      const stream = instance.stream;
      const host = stream?.remoteAddress;
      const port = stream?.remotePort;
      if (host !== undefined && port !== undefined) {
        const previous = this.#currentMaster;
        const current = { host, port };
        this.#currentMaster = current;
        const target = this.#switchTarget;
        if (
          this.#plan.type === 'sentinel' &&
          target !== undefined &&
          (target.host !== host || target.port !== port) &&
          this.#staleMasterRetries < 3 &&
          performance.now() - this.#switchAtMs < staleMasterWindowMs
        ) {
          this.#staleMasterRetries++;
          // Landed on another node than the last +switch-master named: try again.
          this.#logger.warn(
            {
              connection: this.#name,
              connected: `${host}:${port}`,
              expected: `${target.host}:${target.port}`,
            },
            'redis connected to a stale master; reconnecting to the one Sentinel switched to',
          );
          instance.disconnect(true);
          return;
        }
        if (
          this.#plan.type === 'sentinel' &&
          previous !== undefined &&
          (previous.host !== host || previous.port !== port)
        ) {
          // Moved without a +switch-master seen (e.g. the subscription was down): still a failover.
          this.#emitFailover({ from: previous, to: current });
        }
      }
    }
    this.#failedPings.delete(instance);
    if (this.#unreachableTimer !== undefined) clearTimeout(this.#unreachableTimer);
    this.#unreachableTimer = undefined;
    if (this.#trippedUnreachable) {
      this.#trippedUnreachable = false;
      // Connected again (handshake and ready check passed): what opened the breaker is gone.
      if (this.breaker.state !== 'closed') this.breaker.close();
    }
    this.#update('client ready');
    // Measure latency right away rather than up to one interval later.
    if (this.#healthIntervalMs > 0) void this.#runHealthCheck();
  }

  #onClusterRefresh(cluster: ClusterLike): void {
    const current = Array.from({ length: 16_384 }, (_, slot) => cluster.slots[slot]?.[0]);
    if (this.#slotMasters.length > 0) {
      for (const change of detectMasterChanges(this.#slotMasters, current)) {
        this.#emitFailover({ from: parseAddress(change.from), to: parseAddress(change.to) });
      }
    }
    this.#slotMasters = current;
  }

  #startSentinelWatcher(): void {
    if (this.#watcher !== undefined || this.#closed || this.#config.type !== 'sentinel') return;
    const options = this.#config.options;
    const sentinelTls = options.tls === undefined ? undefined : toTlsConnectionOptions(options.tls);
    this.#watcher = new SwitchMasterWatcher({
      sentinels: options.sentinels,
      masterName: options.name,
      createClient: (sentinel) =>
        new Redis({
          host: sentinel.host,
          port: sentinel.port,
          family: options.family,
          connectTimeout: options.connectTimeoutMs,
          enableReadyCheck: false,
          maxRetriesPerRequest: null,
          connectionName: options.connectionName ?? 'redgrid-sentinel-watch',
          ...(options.sentinelUsername === undefined ? {} : { username: options.sentinelUsername }),
          ...(options.sentinelPassword === undefined
            ? {}
            : { password: options.sentinelPassword.reveal() }),
          ...(sentinelTls === undefined ? {} : { tls: sentinelTls }),
          retryStrategy: (times) => this.#reconnectDelay('sentinel-subscriber', times - 1),
        }),
      onSwitch: (event) => this.#onSwitchMaster(event),
      onFailoverStart: () => {
        this.#logger.warn(
          { connection: this.#name, master: options.name },
          'redis Sentinel failover started; holding writes until the new master is known',
        );
        this.#guard.fence?.failoverStarted();
        publish('redgrid:failover', { connection: this.#name, phase: 'started' });
      },
      onFailoverAbort: () => {
        this.#logger.info(
          { connection: this.#name, master: options.name },
          'redis Sentinel failover aborted; releasing held writes',
        );
        this.#guard.fence?.failoverEnded();
        publish('redgrid:failover', { connection: this.#name, phase: 'aborted' });
      },
      onError: (error, sentinel) =>
        // Not a reason to stop the connection: a refused subscription (NOPERM) only means that
        // failovers are noticed later (lost connection, READONLY) instead of announced.
        this.#recordError(error, `sentinel ${sentinel.host}:${sentinel.port} (watch)`, {
          credentials: false,
        }),
    });
    this.#watcher.start();
  }

  #onSwitchMaster(event: SwitchMaster): void {
    this.#emitFailover({ from: event.from, to: event.to, masterName: event.masterName });
    this.#switchTarget = { ...event.to };
    this.#switchAtMs = performance.now();
    this.#staleMasterRetries = 0;
    this.#immediateRetries = 3 * (1 + this.#dedicated.size + this.#pool.members().length);
    const instances = [this.client, ...this.#dedicated] as unknown as InstanceLike[];
    for (const instance of [...instances, ...this.#pool.members()]) {
      if (!isClusterLike(instance)) moveToMaster(instance, event);
    }
    // Held writes now queue for the new master.
    this.#guard.fence?.failoverEnded();
    // A read replica that was just promoted is the master now: find a replica again.
    const replica = this.#readReplica as unknown as InstanceLike | undefined;
    const at = replica === undefined ? undefined : remoteAddress(replica);
    if (at !== undefined && at.host === event.to.host && at.port === event.to.port) {
      replica?.disconnect(true);
    }
  }

  #emitFailover(event: { from: Address | undefined; to: Address; masterName?: string }): void {
    this.#logger.warn(
      {
        connection: this.#name,
        from: event.from === undefined ? undefined : `${event.from.host}:${event.from.port}`,
        to: `${event.to.host}:${event.to.port}`,
      },
      'redis master failover',
    );
    this.#emitter.emit('failover', event);
    publish('redgrid:failover', {
      connection: this.#name,
      phase: 'switched',
      ...(event.from === undefined ? {} : { from: event.from }),
      to: event.to,
    });
  }

  // ---------------------------------------------------------------------------------------
  // Breaker, errors, state

  #wireBreaker(): void {
    let previous: CircuitState = this.breaker.state;
    const transition = (to: CircuitState, details: Record<string, unknown>) => {
      const from = previous;
      previous = to;
      if (from === to) return;
      const log = to === 'open' ? this.#logger.warn : this.#logger.info;
      log({ connection: this.#name, from, to, ...details }, `redis circuit breaker ${to}`);
      this.#emitter.emit('breaker', { from, to, ...details });
      publish('redgrid:breaker', {
        name: this.breaker.name ?? this.#name,
        from,
        to,
        ...(typeof details.reason === 'string' ? { reason: details.reason } : {}),
        ...(typeof details.openForMs === 'number' ? { openForMs: details.openForMs } : {}),
      });
      this.#update(`breaker ${to}`);
    };
    this.#cleanups.push(
      this.breaker.on('open', ({ reason, openForMs }) =>
        transition('open', { reason, openForMs: Math.round(openForMs) }),
      ),
      this.breaker.on('halfOpen', () => transition('half-open', {})),
      this.breaker.on('close', () => transition('closed', {})),
    );
  }

  #commandHook(options: ConnectionOptions): (event: CommandEvent) => void {
    const onCommand = options.metrics?.onCommand;
    const audit = this.#config.options.auditWrites ? this.#audit : undefined;
    const commands = redgridChannel('redgrid:command');
    return (event) => {
      if (commands.hasSubscribers) {
        commands.publish({
          connection: this.#name,
          command: event.command,
          outcome: event.outcome,
          durationMs: event.durationMs,
          ...(event.error === undefined ? {} : { errorCode: errorCode(event.error) }),
        } satisfies CommandMessage);
      }
      if (onCommand !== undefined) {
        try {
          onCommand({
            command: event.command,
            outcome: event.outcome,
            durationMs: event.durationMs,
          });
        } catch (error) {
          this.#logger.error(
            { connection: this.#name, err: messageOf(error) },
            'redis metrics hook threw',
          );
        }
      }
      if (audit !== undefined && WriteFence.isWrite(event.command)) {
        audit.command({
          command: event.command,
          key: firstKey(event.source),
          node: event.node === undefined ? undefined : nodeAddress(event.node),
          outcome: event.outcome,
          durationMs: event.durationMs,
          errorCode: event.error === undefined ? undefined : errorCode(event.error),
        });
      }
    };
  }

  #translateError(error: Error): Error {
    if (this.#fatal !== undefined && isConnectionFailure(error)) return this.#fatal;
    if (/^(WRONGPASS|NOAUTH|ERR invalid password)/.test(error.message)) {
      return this.#fatal ?? this.#authError(error);
    }
    return error;
  }

  #authError(cause: unknown): AuthError {
    const user = this.#username === undefined ? '' : ` of ACL user "${this.#username}"`;
    return new AuthError(
      `Redis refused the credentials${user} (${this.#scrub(firstLine(messageOf(cause)))}); check REDIS_USERNAME / REDIS_PASSWORD or call rotateCredentials()`,
      { cause },
    );
  }

  /**
   * Records a connection-level error for health() and the log. `credentials: false` for errors
   * that say nothing about the data nodes' credentials (the Sentinel watcher's replies).
   */
  #recordError(error: Error, source: string, options: { credentials?: boolean } = {}): void {
    if (this.#closed) return;
    const message = this.#scrub(messageOf(error));
    this.#lastError = { message, at: new Date() };
    if (options.credentials !== false && isAuthFailure(error)) this.#onAuthFailure(error);
    const now = Date.now();
    const logged = this.#lastLogged.get(message);
    if (logged === undefined || now - logged.at >= errorLogIntervalMs) {
      this.#logger.warn(
        {
          connection: this.#name,
          source,
          err: message,
          ...(logged === undefined || logged.repeats === 0 ? {} : { repeated: logged.repeats }),
        },
        'redis connection error',
      );
      this.#lastLogged.set(message, { at: now, repeats: 0 });
      if (this.#lastLogged.size > 100) this.#lastLogged.clear();
    } else {
      logged.repeats++;
    }
    if (this.#emitter.listenerCount('error') > 0) {
      this.#emitter.emit(
        'error',
        message === error.message ? error : new Error(message, { cause: undefined }),
      );
    }
    this.#update(`error from ${source}`);
  }

  #onAuthFailure(cause: unknown): void {
    if (this.#fatal !== undefined) return;
    const error = this.#authError(cause);
    this.#setFatal(error);
    this.#authAttempts++;
    this.#authRetryAtMs = Date.now() + authRetryBackoff(this.#authAttempts);
    this.#logger.error(
      { connection: this.#name, retryInMs: Math.max(0, this.#authRetryAtMs - Date.now()) },
      error.message,
    );
  }

  /** The credentials error every command fails with at once, or none. */
  #setFatal(error: AuthError | undefined): void {
    this.#fatal = error;
    this.#guard.setFatalError(error);
  }

  /** Reconnects after an authentication failure, at most once per backoff period. */
  #retryAfterAuthFailure(now: boolean): void {
    if (this.#fatal === undefined || this.#closed) return;
    if (!now && Date.now() < this.#authRetryAtMs) return;
    const client = this.client as unknown as InstanceLike;
    if (client.status !== 'end' && client.status !== 'wait') return;
    this.#authRetryAtMs = Date.now() + authRetryBackoff(this.#authAttempts + 1);
    this.#setFatal(undefined);
    this.#logger.info({ connection: this.#name }, 'redis retrying the credentials');
    this.client.connect().catch(noop);
  }

  #reconnectDelay(path: ReconnectPath, attempt: number, lastError?: Error): number | null {
    if (this.#closed || this.#closing !== undefined) return null;
    const nodeError = (lastError as { lastNodeError?: unknown } | undefined)?.lastNodeError;
    if (lastError !== undefined && (isAuthFailure(lastError) || isAuthFailure(nodeError))) {
      this.#onAuthFailure(isAuthFailure(lastError) ? lastError : nodeError);
    }
    if (this.#fatal !== undefined && path !== 'sentinel-subscriber') return null;
    // Right after a +switch-master the new master is known: reconnect at once.
    if (
      path === 'server' &&
      this.#immediateRetries > 0 &&
      performance.now() - this.#switchAtMs < 2_000
    ) {
      this.#immediateRetries--;
      return 0;
    }
    const delay = Math.round(this.#backoffs[path]?.(attempt) ?? 1_000);
    this.#logger.debug(
      { connection: this.#name, path, attempt, delayMs: delay },
      'redis reconnect',
    );
    return delay;
  }

  #reconnectOnError(error: Error): boolean | 1 | 2 {
    if (!error.message.startsWith('READONLY')) return false;
    this.#logger.warn(
      { connection: this.#name, topology: this.topology },
      'redis READONLY reply: the server is a replica now; reconnecting to the current master',
    );
    if (this.client instanceof Cluster) {
      (this.client as unknown as ClusterLike).refreshSlotsCache();
      return false;
    }
    // Sentinel resolves the current master on reconnect, so the command can be resent there. A
    // single server keeps its address, so only reconnect (DNS may now point to the new
    // primary, as with managed services) and let the command fail.
    return this.topology === 'sentinel' ? 2 : 1;
  }

  #update(reason: string): void {
    const client = this.client as unknown as InstanceLike | undefined;
    if (client === undefined) return; // during construction
    const next = deriveState({
      closed: this.#closed,
      fatal: this.#fatal !== undefined,
      clientStatus: client.status,
      breaker: this.breaker.state,
      healthCheckFailing: this.#healthCheckFailing,
      memoryWarning: this.#memory.warning,
      clusterState: this.#clusterState,
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
  // Health checks

  #startHealthChecks(): void {
    if (this.#healthIntervalMs <= 0) return;
    this.#healthTimer = setInterval(() => void this.#runHealthCheck(), this.#healthIntervalMs);
    this.#healthTimer.unref();
  }

  #runHealthCheck(): Promise<void> {
    this.#healthRunning ??= this.#healthCheck().finally(() => {
      this.#healthRunning = undefined;
    });
    return this.#healthRunning;
  }

  async #healthCheck(): Promise<void> {
    if (this.#closed) return;
    if (this.#fatal !== undefined) {
      this.#retryAfterAuthFailure(false);
      return;
    }
    const client = this.client as unknown as InstanceLike;
    // Lazy and never used: checking would connect it.
    if (client.status === 'wait') return;
    if (this.breaker.state === 'open') {
      this.#latencyMs = undefined;
      return;
    }
    const targets = isClusterLike(client) ? client.nodes('master') : [client];
    if (targets.length === 0 || client.status !== 'ready') return;
    let slowest = 0;
    let failed = false;
    await Promise.all(
      targets.map(async (target) => {
        const start = performance.now();
        try {
          await (target as unknown as Redis).ping();
          slowest = Math.max(slowest, performance.now() - start);
          this.#failedPings.delete(target);
        } catch (error) {
          if (codeOf(error) === 'ERR_CIRCUIT_OPEN') return;
          failed = true;
          this.#lastError = {
            message: `health check: ${this.#scrub(messageOf(error))}`,
            at: new Date(),
          };
          if (CommandTimeoutError.isInstance(error)) this.#onPingTimeout(target);
        }
      }),
    );
    if (isClusterLike(client) && !failed) {
      try {
        const info = await (client as unknown as Cluster).cluster('INFO');
        this.#clusterState = /cluster_state:(\w+)/.exec(String(info))?.[1];
      } catch {
        this.#clusterState = undefined;
      }
    }
    if (!failed) {
      await this.#memory.read(
        targets.flatMap((target) => {
          const node = nodeAddress(target);
          return node === undefined ? [] : [{ node, client: target as unknown as Redis }];
        }),
      );
    }
    if (this.#closed) return;
    this.#latencyMs = failed ? undefined : Math.round(slowest * 1000) / 1000;
    this.#healthCheckFailing = failed;
    this.#checkedAt = new Date();
    this.#update(failed ? 'health check failed' : 'health check passed');
  }

  #onPingTimeout(target: InstanceLike): void {
    const count = (this.#failedPings.get(target) ?? 0) + 1;
    this.#failedPings.set(target, count);
    if (this.#reconnectAfterFailedPings <= 0 || count < this.#reconnectAfterFailedPings) return;
    if (target.status !== 'ready') return;
    this.#failedPings.delete(target);
    this.#logger.warn(
      { connection: this.#name, failedPings: count },
      'redis server stopped answering on an open socket; replacing the connection',
    );
    target.disconnect(true);
  }

  // ---------------------------------------------------------------------------------------
  // Shutdown

  /** Every ioredis instance owned: main client, cluster nodes, dedicated, pool members. */
  #allInstances(includeNotReady = false): InstanceLike[] {
    const instances: InstanceLike[] = [];
    const add = (client: Redis | Cluster) => {
      const instance = client as unknown as InstanceLike;
      if (isClusterLike(instance)) {
        instances.push(...instance.nodes('all'));
        if (includeNotReady) instances.push(instance);
      } else {
        instances.push(instance);
      }
    };
    add(this.client);
    if (this.#readReplica !== undefined) add(this.#readReplica);
    for (const connection of this.#dedicated) add(connection);
    instances.push(...this.#pool.members());
    return instances;
  }

  async #close(timeoutMs: number): Promise<void> {
    // Commands issued before close() may still sit in an auto-pipeline, which ioredis sends on
    // the next tick: let them go out, so that QUIT drains them with the rest.
    await new Promise((resolve) => setImmediate(resolve));
    this.#closed = true;
    this.#guard.refuseNew();
    if (this.#healthTimer !== undefined) clearInterval(this.#healthTimer);
    if (this.#unreachableTimer !== undefined) clearTimeout(this.#unreachableTimer);
    this.#healthTimer = undefined;
    const watcherStopped = this.#watcher?.stop() ?? Promise.resolve();
    // Dedicated connections hold blocking commands and subscriptions: QUIT would wait behind a
    // BLPOP, so they are closed at once. The shared ones drain with QUIT first.
    const dedicated = [...this.#dedicated];
    const shared: Array<Redis | Cluster> = [
      this.client,
      ...(this.#readReplica === undefined ? [] : [this.#readReplica]),
      ...(this.#pool.members() as unknown as Redis[]),
    ];
    const everything = [...shared, ...dedicated];
    const ended = Promise.all([...everything.map((client) => endOf(client)), watcherStopped]);
    for (const client of dedicated) client.disconnect();
    await withTimeout(Promise.allSettled(shared.map((client) => quit(client))), timeoutMs);
    // A client that QUIT already closed must not be disconnected again: ioredis would arm a
    // 2 s destroy timer on the closed socket that nothing clears.
    for (const client of shared) {
      if ((client as unknown as InstanceLike).status !== 'end') client.disconnect();
    }
    // Sockets close asynchronously: wait until ioredis reports `end` for each (bounded).
    await withTimeout(ended, Math.max(timeoutMs, 1_000));
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

/**
 * Moves one Sentinel-managed connection to the master a +switch-master announced. Sentinels
 * learn about a failover at slightly different times, and ioredis asks them one by one: one
 * that has not heard yet still names the old master, which (alive, as in a manual failover)
 * accepts writes until the Sentinels demote it, and those writes are then lost. ioredis applies
 * `natMap` to the address a Sentinel returns, so mapping the old master to the new one makes a
 * stale answer harmless; the next switch replaces the mapping.
 */
function moveToMaster(instance: InstanceLike, event: SwitchMaster): void {
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
  // Mid-attempt: the retry strategy makes the next attempts immediate (see #reconnectDelay).
}

async function quit(client: Redis | Cluster): Promise<void> {
  const status = (client as unknown as InstanceLike).status;
  if (status === 'wait' || status === 'end' || status === 'close') {
    client.disconnect();
    return;
  }
  await client.quit().catch(noop);
}

/** Resolves when `promise` settles or after `timeoutMs`, whichever comes first; no timer left. */
async function withTimeout(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([promise.then(noop, noop), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves when every socket of `client` is closed: its own `end`, or for a cluster the `end`
 * of each node it has now (a cluster closed while still resolving its startup nodes never
 * emits `end` itself, an ioredis quirk).
 */
function endOf(client: Redis | Cluster): Promise<void> {
  const instance = client as unknown as InstanceLike;
  if (isClusterLike(instance)) {
    const nodes = instance.nodes('all') as unknown as Redis[];
    return Promise.all(nodes.map((node) => waitForEnd(node))).then(noop);
  }
  return waitForEnd(client);
}

function waitForEnd(client: Redis | Cluster): Promise<void> {
  if ((client as unknown as InstanceLike).status === 'end') return Promise.resolve();
  return new Promise((resolve) => client.once('end', () => resolve()));
}

async function authenticate(
  instance: InstanceLike,
  username: string | undefined,
  password: string,
  timeoutMs: number,
): Promise<void> {
  const redis = instance as unknown as Redis;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      username === undefined ? redis.auth(password) : redis.auth(username, password),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new CommandTimeoutError({ command: 'AUTH', timeoutMs })),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Makes every later (re)connect of `instance` use the new credentials. */
function setCredentials(instance: InstanceLike, username: string | undefined, password: string) {
  const apply = (options: Record<string, unknown> | undefined) => {
    if (options === undefined) return;
    options.password = password;
    if (username !== undefined) options.username = username;
  };
  if (isClusterLike(instance)) {
    apply(instance.options.redisOptions as Record<string, unknown> | undefined);
    apply(instance.connectionPool?.redisOptions);
  } else {
    apply(instance.options);
  }
}

function firstKey(command: CommandLike | undefined): string | undefined {
  const key = command?.getKeys?.()[0];
  if (key === undefined) return undefined;
  const text = String(key);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function errorCode(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (error.name === 'ReplyError') return error.message.split(' ', 1)[0] ?? 'ReplyError';
  return error.name;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

/** `host:port` of the server an instance's socket is connected to. */
function nodeAddress(instance: InstanceLike): string | undefined {
  const remote = remoteAddress(instance);
  return remote === undefined ? undefined : `${remote.host}:${remote.port}`;
}

/** The server an instance's socket is connected to, when it is. */
function remoteAddress(instance: InstanceLike): Address | undefined {
  const host = instance.stream?.remoteAddress;
  const port = instance.stream?.remotePort;
  return host === undefined || port === undefined ? undefined : { host, port };
}

function parseAddress(key: string): Address {
  const index = key.lastIndexOf(':');
  return { host: key.slice(0, index), port: Number(key.slice(index + 1)) };
}
