import { keySlot } from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import {
  computeDistributionStats,
  type DistributionStatsOptions,
} from '../distribution/distribution-stats.js';
import { scanKeys } from '../nodes/scan-keys.js';
import type {
  AnalyzeDistributionOptions,
  ClusterMasterDistribution,
  DistributionReport,
  MisplacedKey,
  ValidationReport,
} from '../partitioned-redis/partitioned-redis.js';

const slotCount = 16_384;

interface Master {
  id: string;
  nodeId: string;
  host: string;
  port: number;
  ranges: Array<[number, number]>;
  slots: number;
}

/** The masters and their slot ranges (CLUSTER SLOTS), and a slot -> master table. */
async function readMasters(client: Cluster): Promise<{
  masters: Master[];
  ownerOfSlot: Array<Master | undefined>;
}> {
  const reply = (await client.call('CLUSTER', 'SLOTS')) as Array<
    [number, number, [string, number, string?, ...unknown[]], ...unknown[]]
  >;
  const masters = new Map<string, Master>();
  const ownerOfSlot: Array<Master | undefined> = new Array(slotCount);
  for (const [start, end, node] of reply) {
    const [host, port, nodeId = `${node[0]}:${node[1]}`] = node;
    const id = `${host}:${port}`;
    let master = masters.get(nodeId);
    if (!master) {
      master = { id, nodeId, host, port: Number(port), ranges: [], slots: 0 };
      masters.set(nodeId, master);
    }
    master.ranges.push([start, end]);
    master.slots += end - start + 1;
    for (let slot = start; slot <= end; slot++) ownerOfSlot[slot] = master;
  }
  const list = [...masters.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const master of list) master.ranges.sort((a, b) => a[0] - b[0]);
  return { masters: list, ownerOfSlot };
}

/** Each master's client (from ioredis' node list), keyed by cluster node id. */
async function masterClients(client: Cluster): Promise<Map<string, Redis>> {
  const clients = new Map<string, Redis>();
  await Promise.all(
    client.nodes('master').map(async (node) => {
      const id = (await node.call('CLUSTER', 'MYID')) as string;
      clients.set(id, node);
    }),
  );
  return clients;
}

/**
 * Cluster mode's `analyzeDistribution`: keys per master (DBSIZE, a SCAN with `match`, or a
 * routed sample), each master expected to hold its share of the slots.
 */
export async function analyzeClusterDistribution(
  client: Cluster,
  options: AnalyzeDistributionOptions,
  statsOptions: DistributionStatsOptions,
): Promise<DistributionReport> {
  const { masters, ownerOfSlot } = await readMasters(client);
  const counts = new Map<string, number>(masters.map((master) => [master.id, 0]));
  let counted: DistributionReport['counted'];
  if (options.sample !== undefined) {
    counted = 'sample';
    for (const key of options.sample) {
      const owner = ownerOfSlot[keySlot(key)];
      if (owner) counts.set(owner.id, (counts.get(owner.id) ?? 0) + 1);
    }
  } else {
    counted = options.match === undefined ? 'dbsize' : 'scan';
    const clients = await masterClients(client);
    const match = options.match;
    await Promise.all(
      masters.map(async (master) => {
        const node = clients.get(master.nodeId);
        if (!node) return;
        if (match === undefined) {
          counts.set(master.id, await node.dbsize());
          return;
        }
        let total = 0;
        for await (const page of scanKeys(node, { count: 1000, match })) total += page.keys.length;
        counts.set(master.id, total);
      }),
    );
  }
  const expected = new Map(masters.map((master) => [master.id, master.slots / slotCount]));
  const cluster: ClusterMasterDistribution[] = masters.map((master) => ({
    id: master.id,
    host: master.host,
    port: master.port,
    slots: master.slots,
    slotRanges: master.ranges.map(([start, end]) => [start, end] as const),
    slotShare: master.slots / slotCount,
    keys: counts.get(master.id) ?? 0,
  }));
  return {
    ...computeDistributionStats(counts, expected, statsOptions),
    mode: 'cluster',
    counted,
    cluster,
  };
}

/**
 * Cluster mode's `validate`: scans every master for keys outside its slots (only visible
 * during a slot migration), checking whether the owner has them too.
 */
export async function validateClusterPlacement(
  client: Cluster,
  options: { maxReported: number; scanCount: number; match: string | undefined },
): Promise<ValidationReport> {
  const { masters, ownerOfSlot } = await readMasters(client);
  const clients = await masterClients(client);
  const keysPerNode: Record<string, number> = {};
  const misplaced: MisplacedKey[] = [];
  let misplacedCount = 0;
  let duplicateCount = 0;
  let scannedKeys = 0;
  await Promise.all(
    masters.map(async (master) => {
      const node = clients.get(master.nodeId);
      if (!node) return;
      let found = 0;
      for await (const page of scanKeys(node, {
        count: options.scanCount,
        match: options.match,
      })) {
        found += page.keys.length;
        for (const key of page.keys) {
          const owner = ownerOfSlot[keySlot(key)];
          if (owner === undefined || owner.nodeId === master.nodeId) continue;
          misplacedCount++;
          // A key outside the node's slots is only visible during a slot migration; the
          // owner having it too makes it a duplicate.
          const duplicate = (await client.exists(key)) === 1;
          if (duplicate) duplicateCount++;
          if (misplaced.length < options.maxReported) {
            misplaced.push({
              key,
              node: master.id,
              expectedNode: owner.id,
              duplicate,
            });
          }
        }
      }
      keysPerNode[master.id] = found;
      scannedKeys += found;
    }),
  );
  return {
    valid: misplacedCount === 0,
    scannedKeys,
    keysPerNode,
    misplacedCount,
    duplicateCount,
    unroutableCount: 0,
    misplaced,
    unroutable: [],
  };
}
