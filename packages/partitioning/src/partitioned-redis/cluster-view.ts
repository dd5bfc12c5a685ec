import type { RedisConnection } from '@redgrid/connection';
import { keySlot } from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import {
  computeDistributionStats,
  type DistributionStatsOptions,
} from '../distribution/distribution-stats.js';
import type {
  AnalyzeDistributionOptions,
  ClusterMasterDistribution,
  DistributionReport,
  MisplacedKey,
  ValidationReport,
} from './partitioned-redis.js';
import { scanKeys } from './scan-keys.js';

const slotCount = 16_384;

interface Master {
  id: string;
  nodeId: string;
  host: string;
  port: number;
  ranges: Array<[number, number]>;
  slots: number;
}

/** Reads of a real Redis Cluster for cluster mode: slot map, keys per master. */
export class ClusterView {
  readonly #connection: RedisConnection;

  constructor(connection: RedisConnection) {
    this.#connection = connection;
  }

  get client(): Cluster {
    return this.#connection.client as Cluster;
  }

  slotOf(key: string): number {
    return keySlot(key);
  }

  /** Pipeline group of a key: the master serving its slot (per the client's slot map). */
  groupOf(key: string): string {
    const slot = keySlot(key);
    return this.client.slots[slot]?.[0] ?? `slot:${slot}`;
  }

  /** The masters and their slot ranges (CLUSTER SLOTS), and a slot -> master table. */
  async #masters(): Promise<{
    masters: Master[];
    ownerOfSlot: Array<Master | undefined>;
  }> {
    const reply = (await this.client.call('CLUSTER', 'SLOTS')) as Array<
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
  async #masterClients(): Promise<Map<string, Redis>> {
    const clients = new Map<string, Redis>();
    await Promise.all(
      this.client.nodes('master').map(async (node) => {
        const id = (await node.call('CLUSTER', 'MYID')) as string;
        clients.set(id, node);
      }),
    );
    return clients;
  }

  async analyze(
    options: AnalyzeDistributionOptions,
    statsOptions: DistributionStatsOptions,
  ): Promise<DistributionReport> {
    const { masters, ownerOfSlot } = await this.#masters();
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
      const clients = await this.#masterClients();
      const match = options.match;
      await Promise.all(
        masters.map(async (master) => {
          const client = clients.get(master.nodeId);
          if (!client) return;
          if (match === undefined) {
            counts.set(master.id, await client.dbsize());
            return;
          }
          let total = 0;
          for await (const page of scanKeys(client, { count: 1000, match }))
            total += page.keys.length;
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

  async validate(options: {
    maxReported: number;
    scanCount: number;
    match: string | undefined;
  }): Promise<ValidationReport> {
    const { masters, ownerOfSlot } = await this.#masters();
    const clients = await this.#masterClients();
    const keysPerNode: Record<string, number> = {};
    const misplaced: MisplacedKey[] = [];
    let misplacedCount = 0;
    let duplicateCount = 0;
    let scannedKeys = 0;
    await Promise.all(
      masters.map(async (master) => {
        const client = clients.get(master.nodeId);
        if (!client) return;
        let found = 0;
        for await (const page of scanKeys(client, {
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
            const duplicate = (await this.client.exists(key)) === 1;
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
}
