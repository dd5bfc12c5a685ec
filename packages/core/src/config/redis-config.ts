import type { Secret } from './secret.js';

/** A host and TCP port of one Redis server or Sentinel. */
export interface Address {
  host: string;
  port: number;
}

/**
 * TLS settings. Their presence turns TLS on. Certificates come either as file paths (what
 * `loadConfigFromEnv` produces from `REDIS_TLS_CA` / `_CERT` / `_KEY`; the files are checked to
 * exist but not read) or inline as PEM text. The private key is always a `Secret`.
 */
export interface TlsOptions {
  /** SNI name and the name the server certificate must match, when it differs from `host`. */
  servername?: string;
  /** Reject servers whose certificate does not verify. Default true; false only for tests. */
  rejectUnauthorized: boolean;
  /** Path of a PEM file with the CA certificate(s) to trust instead of the system store. */
  caPath?: string;
  /** Path of the PEM client certificate (mutual TLS); requires `keyPath` or `key`. */
  certPath?: string;
  /** Path of the PEM client private key (mutual TLS); requires `certPath` or `cert`. */
  keyPath?: string;
  /** Inline PEM CA certificate(s). */
  ca?: string;
  /** Inline PEM client certificate. */
  cert?: string;
  /** Inline PEM client private key. */
  key?: Secret;
}

/** Options shared by every topology. Defaults are those of `loadConfigFromEnv`. */
export interface CommonOptions {
  /** ACL user name (Redis 6+). Without it, `password` authenticates the `default` user. */
  username?: string;
  /** Password (`requirepass`, or the ACL user's password). */
  password?: Secret;
  /** How long one connection attempt may take. Default 10 000. */
  connectTimeoutMs: number;
  /** Deadline of each command; 0 disables it (not recommended). Default 5 000. */
  commandTimeoutMs: number;
  /** IP family used to resolve host names. Default 4. */
  family: 4 | 6;
  /** TCP keep-alive on the socket. Default true. */
  keepAlive: boolean;
  /** Disable Nagle's algorithm (TCP_NODELAY). Default true. */
  noDelay: boolean;
  /** Sent with `CLIENT SETNAME`, visible in `CLIENT LIST`. Printable ASCII without spaces. */
  connectionName?: string;
  /** Wait until the server has loaded its dataset before sending commands. Default true. */
  enableReadyCheck: boolean;
  /**
   * How many times a command that was already written to a server is written again after its
   * connection is lost before the reply (a failover, a dropped socket). A command that is only
   * waiting for a connection is never failed by this count: that wait is bounded by
   * `commandTimeoutMs` alone, so a failover shorter than the deadline surfaces no error. 0 never
   * resends (at most once); null resends until the deadline. Default 3. Gotcha: with
   * `commandTimeoutMs: 0` (no deadline) it keeps ioredis' meaning (reconnect attempts a queued
   * command survives), since nothing else would bound the wait.
   */
  maxRetriesPerRequest: number | null;
  /** Connect on first command instead of at creation. Default true. */
  lazyConnect: boolean;
  /** How long to wait for a server that is loading its dataset. Default 10 000. */
  maxLoadingTimeoutMs: number;
  /** TLS settings; present means TLS is on. */
  tls?: TlsOptions;
  /**
   * Write fence: replicas that must confirm each write (`WAIT`) before it is reported done.
   * A write they do not confirm within `waitTimeoutMs` (or whose confirmation spans the start
   * of a failover) fails with `WriteNotConfirmedError` instead of a silent acknowledgement.
   * 0 turns the fence off. Default 0.
   */
  waitReplicas: number;
  /** How long one write waits for its replica confirmations, in ms (`WAIT`'s timeout). Default 1 000. */
  waitTimeoutMs: number;
  /**
   * ioredis auto-pipelining: the commands issued in one tick (by concurrent callers) are written
   * to each server as one pipeline, in order. Several times the throughput of one write per
   * command under concurrency, for a tick of latency. Default true, except on a cluster
   * (false): ioredis retries a cluster pipeline only when every command in it failed alike, so
   * auto-pipelined commands would surface errors during failovers and credential changes that
   * single commands ride through.
   */
  autoPipelining: boolean;
  /**
   * Memory watch: a data node using at least this share of its `maxmemory` makes the connection
   * `degraded` (and its health report name the node). 0 < ratio <= 1. Default 0.9.
   */
  memoryWarnRatio: number;
  /**
   * Audit log (`REDIS_AUDIT`): administrative acts (rebalances, migrations, failovers seen,
   * credential rotations, breaker transitions) as pino log lines. Default false.
   */
  audit: boolean;
  /** With `audit`, also every write command: name, key, node, outcome, latency (`REDIS_AUDIT_WRITES`). Default false. */
  auditWrites: boolean;
  /** How keys appear in the audit log: `hash` (SHA-256, 16 hex digits; default) or `plain` (`REDIS_AUDIT_KEYS`). */
  auditKeys: 'hash' | 'plain';
}

/**
 * Where read-only commands go on a topology with replicas: `'master'` (default, always
 * current), `'replica'` (always a replica; reads wait for one while none is reachable), or
 * `'prefer-replica'` (a reachable replica, else the master). Replica reads may be stale by the
 * replication lag: a read right after a write may not see it.
 */
export type ReadFrom = 'master' | 'replica' | 'prefer-replica';

/** One Redis server. */
export interface SingleOptions extends CommonOptions {
  /** Default `'localhost'`. */
  host: string;
  /** Default 6379. */
  port: number;
  /** Logical database index. Default 0. */
  db: number;
}

/** A Redis Cluster, reached through one or more seed nodes. */
export interface ClusterOptions extends CommonOptions {
  /** Seed nodes (at least one); the rest of the cluster is discovered from them. */
  nodes: Address[];
  /** Where read commands go. Default `'master'`; `'slave'` / `'all'` may read stale data. */
  scaleReads: 'master' | 'slave' | 'all';
  /** MOVED/ASK redirections followed per command before failing. Default 16. */
  maxRedirections: number;
  /** Wait before retrying when the cluster reports CLUSTERDOWN. Default 300. */
  retryDelayOnClusterDownMs: number;
  /** Wait before retrying after a failover (TRYAGAIN, connection lost). Default 100. */
  retryDelayOnFailoverMs: number;
  /**
   * Queue commands while the cluster reconnects (every node lost at once: a network blip,
   * connections killed) instead of failing them at once. Queued commands still fail at their
   * deadline (`commandTimeoutMs`), so the wait is bounded. Default true; false fails every
   * command issued while the cluster is not ready, which opens the breaker on a blip.
   */
  enableOfflineQueue: boolean;
  /** Rewrites of the addresses the cluster announces (NAT, Docker), keyed by `host:port`. */
  natMap?: Record<string, Address>;
  /**
   * Where read-only commands go (see {@link ReadFrom}). Absent: `scaleReads` decides. Set it
   * or `scaleReads`, not both.
   */
  readFrom?: ReadFrom;
}

/** A master found through Redis Sentinel. */
export interface SentinelOptions extends CommonOptions {
  /** Sentinels to ask (at least one; three or more in production). */
  sentinels: Address[];
  /** Name of the monitored master. Default `'mymaster'`. */
  name: string;
  /** Logical database index. Default 0. */
  db: number;
  /** ACL user for the Sentinels themselves, when they require one. */
  sentinelUsername?: string;
  /** Password of the Sentinels themselves (their `requirepass`), not of the data nodes. */
  sentinelPassword?: Secret;
  /** Wait before retrying after a failover. Default 100. */
  retryDelayOnFailoverMs: number;
  /** Wait before retrying when the server reports CLUSTERDOWN. Default 300. */
  retryDelayOnClusterDownMs: number;
  /** Where read-only commands go (see {@link ReadFrom}). Default `'master'`. */
  readFrom: ReadFrom;
}

/**
 * A validated Redis configuration: which topology and its options, every default applied and
 * every secret wrapped in a `Secret` (so the object can be logged or `JSON.stringify`-ed as it
 * is). Produce one with `defineConfig` or `loadConfigFromEnv`, not by hand: only those
 * validate.
 */
export type RedisConfig =
  | { type: 'single'; options: SingleOptions }
  | { type: 'cluster'; options: ClusterOptions }
  | { type: 'sentinel'; options: SentinelOptions };

/** The topology names of {@link RedisConfig}. */
export type RedisTopology = RedisConfig['type'];

/** A password or key as given by the user: plain text, or already wrapped. */
export type SecretInput = string | Secret;

/** {@link TlsOptions} as accepted by `defineConfig`: every field optional. */
export interface TlsOptionsInput {
  servername?: string | undefined;
  rejectUnauthorized?: boolean | undefined;
  caPath?: string | undefined;
  certPath?: string | undefined;
  keyPath?: string | undefined;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: SecretInput | undefined;
}

/** {@link CommonOptions} as accepted by `defineConfig`: defaulted fields optional. */
export interface CommonOptionsInput {
  username?: string | undefined;
  password?: SecretInput | undefined;
  connectTimeoutMs?: number | undefined;
  commandTimeoutMs?: number | undefined;
  family?: 4 | 6 | undefined;
  keepAlive?: boolean | undefined;
  noDelay?: boolean | undefined;
  connectionName?: string | undefined;
  enableReadyCheck?: boolean | undefined;
  maxRetriesPerRequest?: number | null | undefined;
  lazyConnect?: boolean | undefined;
  maxLoadingTimeoutMs?: number | undefined;
  /** `true` is TLS with default settings; `false` or absent is no TLS. */
  tls?: TlsOptionsInput | boolean | undefined;
  waitReplicas?: number | undefined;
  waitTimeoutMs?: number | undefined;
  autoPipelining?: boolean | undefined;
  memoryWarnRatio?: number | undefined;
  audit?: boolean | undefined;
  auditWrites?: boolean | undefined;
  auditKeys?: 'hash' | 'plain' | undefined;
}

/** {@link SingleOptions} as accepted by `defineConfig`. */
export interface SingleOptionsInput extends CommonOptionsInput {
  host?: string | undefined;
  port?: number | undefined;
  db?: number | undefined;
}

/** {@link ClusterOptions} as accepted by `defineConfig`. */
export interface ClusterOptionsInput extends CommonOptionsInput {
  nodes: Address[];
  scaleReads?: 'master' | 'slave' | 'all' | undefined;
  maxRedirections?: number | undefined;
  retryDelayOnClusterDownMs?: number | undefined;
  retryDelayOnFailoverMs?: number | undefined;
  enableOfflineQueue?: boolean | undefined;
  natMap?: Record<string, Address> | undefined;
  readFrom?: ReadFrom | undefined;
}

/** {@link SentinelOptions} as accepted by `defineConfig`. */
export interface SentinelOptionsInput extends CommonOptionsInput {
  sentinels: Address[];
  name?: string | undefined;
  db?: number | undefined;
  sentinelUsername?: string | undefined;
  sentinelPassword?: SecretInput | undefined;
  retryDelayOnFailoverMs?: number | undefined;
  retryDelayOnClusterDownMs?: number | undefined;
  readFrom?: ReadFrom | undefined;
}

/**
 * What `defineConfig` accepts: the shapes of {@link RedisConfig} with every defaulted field
 * optional and secrets as plain strings or `Secret`s. `options` may be omitted for a single
 * server on localhost:6379.
 */
export type RedisConfigInput =
  | { type: 'single'; options?: SingleOptionsInput | undefined }
  | { type: 'cluster'; options: ClusterOptionsInput }
  | { type: 'sentinel'; options: SentinelOptionsInput };
