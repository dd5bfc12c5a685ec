import type { CheckResult } from '../util/poll-until.js';

/** What one sentinel says about the monitored master. */
export interface SentinelView {
  label: string;
  /** `SENTINEL GET-MASTER-ADDR-BY-NAME` port, undefined when it knows no master. */
  masterPort: number | undefined;
  /** `SENTINEL MASTER` fields. */
  master: Record<string, string>;
  /** `SENTINEL REPLICAS` entries. */
  replicas: readonly Record<string, string>[];
}

/** What one serving data node says (`INFO replication`). */
export interface ServerView {
  label: string;
  port: number;
  replication: Record<string, string>;
}

/**
 * Whether a sentinel group is ready: every serving sentinel reports the same master, whose flags
 * are plain `master` (no s_down, o_down, failover in progress) and which knows the other
 * `totalSentinels - 1` sentinels; that master is serving and says `role:master`; every other
 * serving data node replicates from it with `master_link_status:up` and its first sync done; and
 * every sentinel lists each of those replicas with flags `slave` and `master-link-status:ok`.
 * Returns `undefined` when ready, else the first reason found.
 */
export function checkSentinelViews(
  sentinels: readonly SentinelView[],
  servers: readonly ServerView[],
  totalSentinels: number,
): CheckResult {
  const first = sentinels[0];
  if (first === undefined) return 'no sentinel is serving';
  const masterPort = first.masterPort;
  if (masterPort === undefined) return `${first.label} knows no master`;
  for (const sentinel of sentinels) {
    if (sentinel.masterPort !== masterPort) {
      return `${sentinel.label} reports master port ${sentinel.masterPort ?? 'none'}, ${first.label} reports ${masterPort}`;
    }
    if (sentinel.master.flags !== 'master')
      return `${sentinel.label}: master flags ${sentinel.master.flags ?? '?'}`;
    const others = sentinel.master['num-other-sentinels'];
    if (others !== String(totalSentinels - 1)) {
      return `${sentinel.label}: num-other-sentinels ${others ?? '?'} (want ${totalSentinels - 1})`;
    }
  }
  const master = servers.find((server) => server.port === masterPort);
  if (master === undefined) return `reported master 127.0.0.1:${masterPort} is not serving`;
  if (master.replication.role !== 'master') {
    return `${master.label} is reported as master but says role:${master.replication.role ?? '?'}`;
  }
  for (const server of servers) {
    if (server === master) continue;
    const replication = server.replication;
    if (replication.role !== 'slave' || replication.master_port !== String(masterPort)) {
      return `${server.label}: role:${replication.role ?? '?'} master_port:${replication.master_port ?? '-'} (want replica of ${masterPort})`;
    }
    if (replication.master_link_status !== 'up') {
      return `${server.label}: master_link_status:${replication.master_link_status ?? '?'}`;
    }
    if (replication.master_sync_in_progress !== '0')
      return `${server.label}: first sync in progress`;
    for (const sentinel of sentinels) {
      const seen = sentinel.replicas.find((replica) => replica.port === String(server.port));
      if (seen === undefined) return `${sentinel.label} does not list replica ${server.label} yet`;
      if (
        seen.flags !== 'slave' ||
        seen['master-link-status'] !== 'ok' ||
        seen['master-port'] !== String(masterPort)
      ) {
        return `${sentinel.label} sees replica ${server.label} as flags:${seen.flags ?? '?'} master-link-status:${seen['master-link-status'] ?? '?'} master-port:${seen['master-port'] ?? '?'}`;
      }
    }
  }
  return undefined;
}
