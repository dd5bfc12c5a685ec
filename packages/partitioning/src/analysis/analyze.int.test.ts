import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import {
  type ClusterTopology,
  type StandaloneTopology,
  startCluster,
  startSentinel,
  startStandalone,
} from '@redgrid/redis-harness';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartitionedRedis } from '../partitioned-redis/create-partitioned-redis.js';
import { defaultConnection } from '../test-support/cluster-load.js';
import { analyzeCluster } from './analyze-cluster.js';
import { analyzePartitions } from './analyze-partitions.js';

describe('analyzeCluster', () => {
  let cluster: ClusterTopology;
  let connection: RedisConnection<Cluster>;

  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
    connection = defaultConnection(cluster.env());
  });

  afterAll(async () => {
    await connection?.close();
    await cluster?.stop();
  });

  it('reports keys per master and range, the biggest keys, and the hottest under LFU', async () => {
    const writes: Array<Promise<unknown>> = [];
    for (let index = 0; index < 3000; index++)
      writes.push(connection.client.set(`k:${index}`, 'x'));
    writes.push(connection.client.set('big:{a}', 'y'.repeat(100_000)));
    await Promise.all(writes);
    const withoutLfu = await analyzeCluster(connection);
    expect(withoutLfu.hottest).toBeUndefined();
    expect(withoutLfu.hottestNote).toMatch(/LFU/);

    for (const node of cluster.nodes) {
      const redis = new Redis({ host: node.host, port: node.port });
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lfu');
      redis.disconnect();
    }
    for (let read = 0; read < 200; read++) await connection.client.get('k:7');
    const analysis = await analyzeCluster(connection, { top: 5 });
    expect(analysis.masters).toHaveLength(3);
    expect(analysis.traffic.map((node) => node.role)).toEqual(['master', 'master', 'master']);
    expect(analysis.traffic.reduce((sum, node) => sum + node.reads, 0)).toBeGreaterThanOrEqual(200);
    expect(analysis.keys.total).toBe(3001);
    expect(analysis.masters.every((master) => master.complete)).toBe(true);
    const rangeKeys = analysis.masters
      .flatMap((master) => master.ranges)
      .reduce((sum, range) => sum + range.keys, 0);
    expect(rangeKeys).toBe(3001);
    expect(analysis.biggest[0]?.key).toBe('big:{a}');
    expect(analysis.biggest[0]?.bytes).toBeGreaterThan(100_000);
    expect(analysis.hottest?.[0]?.key).toBe('k:7');
    expect(analysis.balance.bySlots.needed).toBe(false);
    // One 100 kB key makes its master heavier than the others: balancing memory would move slots.
    expect(analysis.balance.byMemory.needed).toBe(true);
    expect(analysis.usedBytes.maxOverMean).toBeGreaterThan(1);
    expect(analysis.fullestSlots).toHaveLength(5);
  });
});

describe('analyzePartitions', () => {
  const servers: StandaloneTopology[] = [];

  beforeAll(async () => {
    servers.push(...(await Promise.all([startStandalone(), startStandalone()])));
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('counts keys per range and suggests bounds that balance them', async () => {
    const nodes = servers.map((server, index) => ({
      id: `n${index + 1}`,
      config: { type: 'single' as const, options: { host: server.host, port: server.port } },
    }));
    const partitioned = createPartitionedRedis({
      nodes,
      strategy: {
        type: 'range',
        keyType: 'numeric',
        ranges: [
          { node: 'n1', to: 9000 },
          { node: 'n2', from: 9000 },
        ],
      },
    });
    try {
      await partitioned.mset(
        Array.from({ length: 10_000 }, (_, index) => [`user:${index}`, 'v'] as const),
      );
      const analysis = await analyzePartitions(partitioned);
      expect(analysis.strategy).toBe('range');
      expect(analysis.nodes.map((node) => node.keys)).toEqual([9000, 1000]);
      expect(analysis.ranges?.map((range) => range.keys)).toEqual([9000, 1000]);
      expect(analysis.balance.needed).toBe(true);
      const [first, second] = analysis.balance.ranges ?? [];
      expect(first).toMatchObject({ node: 'n1' });
      expect(Math.abs(Number(first?.to) - 5000)).toBeLessThanOrEqual(1);
      expect(second?.from).toBe(first?.to);
      expect(analysis.nodes.every((node) => node.misplacedKeys === 0)).toBe(true);
    } finally {
      await partitioned.close();
    }
  });
});

describe('reads per node (REDIS_READ_FROM)', () => {
  it('shows reads moving to the replicas of a Sentinel group', async () => {
    const sentinel = await startSentinel();
    const config = loadConfigFromEnv({ ...sentinel.env(), REDIS_READ_FROM: 'replica' });
    const connection = createConnection(config);
    const partitioned = createPartitionedRedis({ nodes: [{ id: 'group', connection, config }] });
    try {
      await connection.client.set('read:me', 'value');
      await sentinel.waitFor(async () => (await connection.client.get('read:me')) === 'value', {
        timeoutMs: 30_000,
        message: 'the key replicated',
      });
      for (let read = 0; read < 500; read++) await connection.client.get('read:me');
      const analysis = await analyzePartitions(partitioned);
      const master = analysis.traffic.filter((node) => node.role === 'master');
      const replicas = analysis.traffic.filter((node) => node.role === 'replica');
      expect(master).toHaveLength(1);
      expect(replicas).toHaveLength(2);
      const replicaReads = replicas.reduce((sum, node) => sum + node.reads, 0);
      expect(replicaReads).toBeGreaterThanOrEqual(500);
      expect(master[0]?.writes).toBeGreaterThanOrEqual(1);
      expect(replicas.reduce((sum, node) => sum + node.readShare, 0)).toBeGreaterThan(0.9);
    } finally {
      await partitioned.close();
      await connection.close();
      await sentinel.stop();
    }
  });
});
