import type { TlsMaterial } from '../tls/generate-certificates.js';
import type { AclUser } from '../topology/types.js';

/** Quotes a value for redis.conf (double quotes, backslash escapes), so spaces are safe. */
export function quoteConfigValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** TLS part of a node's config. */
export interface TlsConfigInput {
  material: TlsMaterial;
  authClients: 'yes' | 'no' | 'optional';
}

/** What a data node's redis.conf is made of. */
export interface ServerConfigInput {
  port: number;
  dir: string;
  password?: string | undefined;
  aclUsers?: readonly AclUser[] | undefined;
  tls?: TlsConfigInput | undefined;
  cluster?: { nodeTimeoutMs: number; busPort: number } | undefined;
  replicaOf?: { host: string; port: number } | undefined;
  /** Extra redis.conf lines, appended last (so they win). */
  extraLines?: readonly string[] | undefined;
}

function listenLines(port: number, dir: string, tls: TlsConfigInput | undefined): string[] {
  const lines = [
    'bind 127.0.0.1',
    `dir ${quoteConfigValue(dir)}`,
    'daemonize no',
    // Logs go to stdout, which the harness points at <dir>/redis.log together with stderr, so
    // config errors printed before logging starts end up in the same file.
    'logfile ""',
  ];
  if (!tls) return [`port ${port}`, ...lines];
  return [
    'port 0',
    `tls-port ${port}`,
    ...lines,
    `tls-cert-file ${quoteConfigValue(tls.material.serverCertPath)}`,
    `tls-key-file ${quoteConfigValue(tls.material.serverKeyPath)}`,
    `tls-ca-cert-file ${quoteConfigValue(tls.material.caPath)}`,
    `tls-auth-clients ${tls.authClients}`,
    'tls-replication yes',
  ];
}

/**
 * redis.conf of a data node: loopback only, no persistence, diskless replication without the
 * default 5 s delay (a replica that has not finished its first sync cannot be promoted, so a
 * slow first sync makes failover tests flaky), optional auth, ACL users, TLS-only, cluster mode
 * or `replicaof`.
 */
export function renderServerConfig(input: ServerConfigInput): string {
  const lines = [
    ...listenLines(input.port, input.dir, input.tls),
    'save ""',
    'appendonly no',
    'repl-diskless-sync yes',
    'repl-diskless-sync-delay 0',
  ];
  if (input.password !== undefined) {
    lines.push(`requirepass ${quoteConfigValue(input.password)}`);
    lines.push(`masterauth ${quoteConfigValue(input.password)}`);
  }
  for (const user of input.aclUsers ?? []) {
    lines.push(
      `user ${quoteConfigValue(user.name)} on ${quoteConfigValue(`>${user.password}`)} ${user.rules ?? '~* &* +@all'}`,
    );
  }
  if (input.cluster) {
    lines.push(
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      `cluster-node-timeout ${input.cluster.nodeTimeoutMs}`,
      `cluster-port ${input.cluster.busPort}`,
    );
    if (input.tls) lines.push('tls-cluster yes');
  }
  if (input.replicaOf) lines.push(`replicaof ${input.replicaOf.host} ${input.replicaOf.port}`);
  lines.push(...(input.extraLines ?? []));
  return `${lines.join('\n')}\n`;
}

/** What a sentinel's config is made of. */
export interface SentinelConfigInput {
  port: number;
  dir: string;
  tls?: TlsConfigInput | undefined;
  masterName: string;
  master: { host: string; port: number };
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  /** Password of the data nodes (`sentinel auth-pass`). */
  authPass?: string | undefined;
  /** Password of the sentinels themselves. */
  sentinelPassword?: string | undefined;
}

/** sentinel.conf; sentinels rewrite it (known replicas and sentinels), so it must stay writable. */
export function renderSentinelConfig(input: SentinelConfigInput): string {
  const name = input.masterName;
  const lines = [
    ...listenLines(input.port, input.dir, input.tls),
    `sentinel monitor ${name} ${input.master.host} ${input.master.port} ${input.quorum}`,
    `sentinel down-after-milliseconds ${name} ${input.downAfterMs}`,
    `sentinel failover-timeout ${name} ${input.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
  ];
  if (input.authPass !== undefined) {
    lines.push(`sentinel auth-pass ${name} ${quoteConfigValue(input.authPass)}`);
  }
  if (input.sentinelPassword !== undefined) {
    lines.push(`requirepass ${quoteConfigValue(input.sentinelPassword)}`);
    lines.push(`sentinel sentinel-pass ${quoteConfigValue(input.sentinelPassword)}`);
  }
  return `${lines.join('\n')}\n`;
}
