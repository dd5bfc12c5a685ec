import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type {
  Address,
  ClusterOptions as ClusterConfigOptions,
  CommonOptions,
  RedisConfig,
  SentinelOptions as SentinelConfigOptions,
  SingleOptions,
  TlsOptions,
} from '@redgrid/core';
import type { ClusterOptions, RedisOptions } from 'ioredis';

/** The reconnect paths ioredis has, each with its own retry strategy. */
export type ReconnectPath = 'server' | 'cluster' | 'sentinel' | 'sentinel-subscriber';

/** What the mapping needs from the connection that owns the options. */
export interface MappingContext {
  /**
   * Delay before reconnect attempt `attempt` (0-based) on `path`, or `null` to stop
   * reconnecting (credentials refused, connection closing). `lastError` is what ioredis passed,
   * when it passes one.
   */
  reconnectDelay(path: ReconnectPath, attempt: number, lastError?: Error): number | null;
  /** ioredis' `reconnectOnError`: what to do when a command gets an error reply. */
  reconnectOnError(error: Error): boolean | 1 | 2;
  /** Period of the cluster topology refresh, in ms; 0 disables it. */
  clusterRefreshIntervalMs: number;
  /** ioredis' auto-pipelining: batches commands issued in the same tick. */
  enableAutoPipelining: boolean;
  /** Reads a TLS file given by path. Default `fs.readFileSync`. */
  readFile?: (path: string) => Buffer;
}

/** What to construct: a `Redis` (single server or Sentinel) or a `Cluster`. */
export type IoredisPlan =
  | { type: 'single'; options: RedisOptions }
  | { type: 'sentinel'; options: RedisOptions }
  | { type: 'cluster'; startupNodes: Address[]; options: ClusterOptions };

/** TCP keep-alive idle time before the first probe when `keepAlive` is on, in ms. */
export const keepAliveInitialDelayMs = 10_000;

/**
 * Maps a validated `RedisConfig` to the arguments of `new Redis(...)` / `new Cluster(...)`.
 * Pure apart from reading TLS files; the retry strategies are delegated to `context` so the
 * connection can stop them (e.g. after an authentication failure).
 *
 * Deliberate differences from a one-to-one mapping, each because the connection does the job
 * itself: ioredis' `commandTimeout` is not set (one sweeper replaces a timer per command);
 * `failoverDetector` is off (the connection subscribes to `+switch-master` itself, which also
 * tells it the old and new master); a cluster's `maxRedirections` is raised so that retries
 * during a failover last as long as the command deadline instead of a fixed count; a cluster
 * queues commands until it is first ready even with `enableOfflineQueue: false` (the
 * connection restores the configured value once ready), so that the first commands of a
 * lazily connected cluster do not fail.
 */
export function toIoredisOptions(config: RedisConfig, context: MappingContext): IoredisPlan {
  const readFile = context.readFile ?? ((path: string) => readFileSync(path));
  switch (config.type) {
    case 'single':
      return { type: 'single', options: singleOptions(config.options, context, readFile) };
    case 'sentinel':
      return { type: 'sentinel', options: sentinelOptions(config.options, context, readFile) };
    case 'cluster':
      return {
        type: 'cluster',
        startupNodes: config.options.nodes.map(({ host, port }) => ({ host, port })),
        options: clusterOptions(config.options, context, readFile),
      };
  }
}

/** Maps TLS settings to Node's `tls.connect` options, reading certificate files. */
export function toTlsConnectionOptions(
  tls: TlsOptions,
  readFile: (path: string) => Buffer = (path) => readFileSync(path),
): TlsConnectionOptions {
  const options: TlsConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.servername !== undefined) options.servername = tls.servername;
  const ca = tls.ca ?? (tls.caPath === undefined ? undefined : readFile(tls.caPath));
  if (ca !== undefined) options.ca = ca;
  const cert = tls.cert ?? (tls.certPath === undefined ? undefined : readFile(tls.certPath));
  if (cert !== undefined) options.cert = cert;
  const key = tls.key?.reveal() ?? (tls.keyPath === undefined ? undefined : readFile(tls.keyPath));
  if (key !== undefined) options.key = key;
  return options;
}

/** Options every connection to a data node gets, whatever the topology. */
function commonOptions(
  options: CommonOptions,
  context: MappingContext,
  readFile: (path: string) => Buffer,
): RedisOptions {
  const mapped: RedisOptions = {
    connectTimeout: options.connectTimeoutMs,
    family: options.family,
    noDelay: options.noDelay,
    enableReadyCheck: options.enableReadyCheck,
    // With a deadline, a command waits for a connection until its deadline, however many
    // reconnect attempts that takes; `maxRetriesPerRequest` then limits resends of written
    // commands, counted by the connection's guard. Without one, ioredis' own count is the only
    // bound there is.
    maxRetriesPerRequest: options.commandTimeoutMs > 0 ? null : options.maxRetriesPerRequest,
    lazyConnect: options.lazyConnect,
    maxLoadingRetryTime: options.maxLoadingTimeoutMs,
    reconnectOnError: (error) => context.reconnectOnError(error),
  };
  if (options.keepAlive) mapped.keepAlive = keepAliveInitialDelayMs;
  // ioredis turns keep-alive on for any number (its default is 30 000), and a missing value
  // gets the default; only a non-number leaves it off.
  else Object.assign(mapped, { keepAlive: false });
  if (options.username !== undefined) mapped.username = options.username;
  if (options.password !== undefined) mapped.password = options.password.reveal();
  if (options.connectionName !== undefined) mapped.connectionName = options.connectionName;
  if (options.tls !== undefined) mapped.tls = toTlsConnectionOptions(options.tls, readFile);
  return mapped;
}

function singleOptions(
  options: SingleOptions,
  context: MappingContext,
  readFile: (path: string) => Buffer,
): RedisOptions {
  return {
    ...commonOptions(options, context, readFile),
    host: options.host,
    port: options.port,
    db: options.db,
    enableOfflineQueue: true,
    enableAutoPipelining: context.enableAutoPipelining,
    retryStrategy: (times) => context.reconnectDelay('server', times - 1),
  };
}

function sentinelOptions(
  options: SentinelConfigOptions,
  context: MappingContext,
  readFile: (path: string) => Buffer,
): RedisOptions {
  const common = commonOptions(options, context, readFile);
  const mapped: RedisOptions = {
    ...common,
    sentinels: options.sentinels.map(({ host, port }) => ({ host, port })),
    name: options.name,
    role: 'master',
    db: options.db,
    enableOfflineQueue: true,
    enableAutoPipelining: context.enableAutoPipelining,
    failoverDetector: false,
    updateSentinels: true,
    // A Sentinel that hangs (or a firewall that drops packets) must not stall master discovery.
    sentinelCommandTimeout: options.connectTimeoutMs,
    retryStrategy: (times) => context.reconnectDelay('server', times - 1),
    sentinelRetryStrategy: (times) => context.reconnectDelay('sentinel', times - 1),
    sentinelReconnectStrategy: (times) => context.reconnectDelay('sentinel-subscriber', times - 1),
  };
  if (options.sentinelUsername !== undefined) mapped.sentinelUsername = options.sentinelUsername;
  if (options.sentinelPassword !== undefined) {
    mapped.sentinelPassword = options.sentinelPassword.reveal();
  }
  // commonOptions only ever sets an options object (ioredis 6.1 also accepts a profile name).
  if (typeof common.tls === 'object') {
    mapped.enableTLSForSentinelMode = true;
    mapped.sentinelTLS = common.tls;
  }
  return mapped;
}

function clusterOptions(
  options: ClusterConfigOptions,
  context: MappingContext,
  readFile: (path: string) => Buffer,
): ClusterOptions {
  // Nodes are always created lazily by ioredis' connection pool; the cluster itself honours
  // lazyConnect.
  const { lazyConnect: _lazyConnect, ...nodeOptions } = commonOptions(options, context, readFile);
  const mapped: ClusterOptions = {
    scaleReads: clusterScaleReads(options),
    maxRedirections: clusterRedirections(options),
    retryDelayOnFailover: options.retryDelayOnFailoverMs,
    retryDelayOnClusterDown: options.retryDelayOnClusterDownMs,
    retryDelayOnTryAgain: options.retryDelayOnFailoverMs,
    // Restored to options.enableOfflineQueue once the cluster is first ready (see above).
    enableOfflineQueue: true,
    enableReadyCheck: options.enableReadyCheck,
    lazyConnect: options.lazyConnect,
    enableAutoPipelining: context.enableAutoPipelining,
    slotsRefreshTimeout: Math.max(1000, Math.min(options.connectTimeoutMs, 5000)),
    clusterRetryStrategy: (times, reason) => context.reconnectDelay('cluster', times - 1, reason),
    // No per-node retry strategy (ioredis' default): a lost node is dropped at once, its queued
    // commands are retried by the cluster (every `retryDelayOnFailover` ms, with a slot refresh)
    // on whichever node serves their slot, and the node is reconnected when a refresh lists it
    // again. With ioredis 6's `clusterNodeRetryStrategy`, commands queued on a dead master stay
    // stuck after a failover (the refresh drops the node while it is between attempts and never
    // flushes its queues), so it is deliberately not used.
    redisOptions: nodeOptions,
  };
  if (context.clusterRefreshIntervalMs > 0) {
    mapped.slotsRefreshInterval = context.clusterRefreshIntervalMs;
  }
  if (options.natMap !== undefined) {
    mapped.natMap = Object.fromEntries(
      Object.entries(options.natMap).map(([from, { host, port }]) => [from, { host, port }]),
    );
  }
  return mapped;
}

/**
 * `readFrom` as ioredis' `scaleReads`: `'replica'` is `'slave'` (ioredis still uses the master
 * for a slot that lists no replica at all); `'prefer-replica'` picks a replica whose connection
 * is ready, else the master. Without `readFrom`, `scaleReads` is passed as it is.
 */
export function clusterScaleReads(options: ClusterConfigOptions): ClusterOptions['scaleReads'] {
  switch (options.readFrom) {
    case undefined:
      return options.scaleReads;
    case 'master':
      return 'master';
    case 'replica':
      return 'slave';
    case 'prefer-replica':
      return (nodes: Array<{ status: string }>) => {
        const ready = nodes.slice(1).filter((node) => node.status === 'ready');
        return ready.length === 0 ? nodes[0] : ready[Math.floor(Math.random() * ready.length)];
      };
  }
}

/**
 * ioredis counts every retry of a cluster command (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, a lost
 * connection) against `maxRedirections`. During a failover it retries every
 * `retryDelayOnFailover` ms, so 16 retries give up after about 1.6 s, before a typical failover
 * (node timeout + election) completes. With a command deadline the deadline bounds the wait,
 * so the count is raised to cover it.
 */
export function clusterRedirections(options: ClusterConfigOptions): number {
  if (options.commandTimeoutMs <= 0) return options.maxRedirections;
  const stepMs = Math.max(
    10,
    Math.min(options.retryDelayOnFailoverMs, options.retryDelayOnClusterDownMs),
  );
  return Math.max(options.maxRedirections, Math.ceil(options.commandTimeoutMs / stepMs) + 1);
}
