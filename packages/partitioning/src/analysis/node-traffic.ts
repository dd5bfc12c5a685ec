import { isReadOnlyCommand, isWriteCommand, parseInfo } from '@redgrid/connection';
import type { Redis } from 'ioredis';

/** Commands one data node has served since it started (or since CONFIG RESETSTAT). */
export interface NodeTraffic {
  /** `host:port`. */
  readonly address: string;
  readonly role: 'master' | 'replica';
  /** Calls of read-only commands (GET, HGETALL, ...): where replica reads show up. */
  readonly reads: number;
  /** Calls of write commands. */
  readonly writes: number;
  /** This node's share of all reads of the nodes listed, 0 to 1. */
  readonly readShare: number;
}

/** Reads and writes served by one server, from `INFO commandstats`. */
export async function readNodeTraffic(client: Redis): Promise<{ reads: number; writes: number }> {
  const stats = parseInfo(await client.info('commandstats'));
  let reads = 0;
  let writes = 0;
  for (const [field, value] of Object.entries(stats)) {
    if (!field.startsWith('cmdstat_')) continue;
    const name = field.slice('cmdstat_'.length).split('|', 1)[0] ?? '';
    const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
    if (isReadOnlyCommand(name)) reads += calls;
    else if (isWriteCommand(name)) writes += calls;
  }
  return { reads, writes };
}

/** The replicas a master reports in `INFO replication`, as `host:port`. */
export async function replicasOf(client: Redis): Promise<string[]> {
  const replication = parseInfo(await client.info('replication'));
  const replicas: string[] = [];
  for (const [field, value] of Object.entries(replication)) {
    if (!/^slave\d+$/.test(field)) continue;
    const ip = /ip=([^,]+)/.exec(value)?.[1];
    const port = /port=(\d+)/.exec(value)?.[1];
    if (ip !== undefined && port !== undefined) replicas.push(`${ip}:${port}`);
  }
  return replicas;
}

/** Adds each node's share of the reads. */
export function withReadShares(
  nodes: ReadonlyArray<Omit<NodeTraffic, 'readShare'>>,
): NodeTraffic[] {
  const total = nodes.reduce((sum, node) => sum + node.reads, 0);
  return nodes.map((node) => ({ ...node, readShare: total > 0 ? node.reads / total : 0 }));
}
