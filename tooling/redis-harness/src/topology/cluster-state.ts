import type { CheckResult } from '../util/poll-until.js';

/** One line of `CLUSTER NODES`. */
export interface ClusterNodeEntry {
  id: string;
  host: string;
  /** Client port (the TLS port when `tls-cluster yes`). */
  port: number;
  flags: readonly string[];
  /** Id of its master for a replica, else undefined. */
  masterId: string | undefined;
  linkState: string;
  /** Slot ranges as printed (`0-5460`, `5461`); migration markers `[...]` are left out. */
  slots: readonly string[];
}

/** Parses `CLUSTER NODES` output. */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const entries: ClusterNodeEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(' ');
    const [id, address, flags, master, , , , linkState, ...slots] = fields;
    if (id === undefined || address === undefined || flags === undefined || linkState === undefined)
      continue;
    // ip:port@cport[,hostname]
    const hostPort = address.split('@')[0] ?? '';
    const colon = hostPort.lastIndexOf(':');
    entries.push({
      id,
      host: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      flags: flags.split(','),
      masterId: master === undefined || master === '-' ? undefined : master,
      linkState,
      slots: slots.filter((slot) => slot !== '' && !slot.startsWith('[')),
    });
  }
  return entries;
}

/** What one node says about the cluster. */
export interface ClusterNodeView {
  /** For messages, e.g. `node-4 (127.0.0.1:7003)`. */
  label: string;
  port: number;
  /** Parsed `CLUSTER INFO`. */
  info: Record<string, string>;
  /** Parsed `CLUSTER NODES`. */
  nodes: readonly ClusterNodeEntry[];
  /** Parsed `INFO replication`. */
  replication: Record<string, string>;
}

const badFlags = ['fail', 'fail?', 'handshake', 'noaddr'];

function signature(view: ClusterNodeView, servingPorts: ReadonlySet<number>): string {
  const portOf = new Map(view.nodes.map((entry) => [entry.id, entry.port]));
  return view.nodes
    .filter((entry) => servingPorts.has(entry.port))
    .map((entry) => {
      const role = entry.flags.includes('master') ? 'master' : 'replica';
      const master = entry.masterId === undefined ? '-' : (portOf.get(entry.masterId) ?? '?');
      return `${entry.port}:${role}:${master}:${[...entry.slots].sort().join(',')}`;
    })
    .sort()
    .join(' ');
}

/**
 * Whether the nodes that answered (`views`, one per serving node) form a ready cluster:
 * `cluster_state:ok` with 16384 slots assigned and ok, `totalNodes` known everywhere, no
 * serving node seen as failing or in handshake, replicas with `master_link_status:up` and their
 * first sync done, and the same master/replica/slots map on every node. Returns `undefined`
 * when ready, else the first reason found, naming the node.
 */
export function checkClusterViews(
  views: readonly ClusterNodeView[],
  totalNodes: number,
): CheckResult {
  const servingPorts = new Set(views.map((view) => view.port));
  let reference: { label: string; signature: string } | undefined;
  for (const view of views) {
    const { info } = view;
    if (info.cluster_state !== 'ok')
      return `${view.label}: cluster_state:${info.cluster_state ?? '?'}`;
    for (const key of ['cluster_slots_assigned', 'cluster_slots_ok']) {
      if (info[key] !== '16384') return `${view.label}: ${key}:${info[key] ?? '?'} (want 16384)`;
    }
    if (info.cluster_known_nodes !== String(totalNodes)) {
      return `${view.label}: cluster_known_nodes:${info.cluster_known_nodes ?? '?'} (want ${totalNodes})`;
    }
    const myself = view.nodes.find((entry) => entry.flags.includes('myself'));
    if (myself === undefined) return `${view.label}: no myself entry in CLUSTER NODES`;
    if (myself.flags.includes('slave')) {
      const link = view.replication.master_link_status;
      if (link !== 'up') return `${view.label}: replica with master_link_status:${link ?? '?'}`;
      if (view.replication.master_sync_in_progress !== '0')
        return `${view.label}: first sync in progress`;
    }
    for (const entry of view.nodes) {
      const bad = entry.flags.find((flag) => badFlags.includes(flag));
      if (bad !== undefined && servingPorts.has(entry.port)) {
        return `${view.label} sees 127.0.0.1:${entry.port} as ${bad}`;
      }
    }
    const current = signature(view, servingPorts);
    if (reference === undefined) reference = { label: view.label, signature: current };
    else if (reference.signature !== current) {
      return `${view.label} and ${reference.label} disagree on the cluster layout (${current} vs ${reference.signature})`;
    }
  }
  return undefined;
}

/** Inclusive slot range owned by master `index` of `masters` (even split, remainder last). */
export function slotRangeFor(index: number, masters: number): [number, number] {
  const start = Math.floor((index * 16384) / masters);
  const end = Math.floor(((index + 1) * 16384) / masters) - 1;
  return [start, end];
}
