import { keySlot } from '@redgrid/core';
import { type ClusterTopology, startCluster } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterModeError, createPartitionedRedis } from '../index.js';

let cluster: ClusterTopology | undefined;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

describe('cluster mode', () => {
  it('reports keys and slots per master of the real cluster and delegates rebalancing', async () => {
    if (!cluster) throw new RangeError('no cluster');
    const partitioning = createPartitionedRedis({
      nodes: [
        {
          id: 'cluster',
          config: {
            type: 'cluster',
            options: { nodes: [...cluster.startupNodes] },
          },
        },
      ],
    });
    try {
      expect(partitioning.mode).toBe('cluster');
      const keys = Array.from({ length: 6000 }, (_, index) => `order:${index}`);
      await partitioning.mset(
        keys.map((key) => [key, 'x'] as const),
        { ttlMs: 600_000 },
      );
      await partitioning.getConnectionForKey('order:1').set('order:1', 'first');
      expect(await partitioning.get('order:1')).toBe('first');
      expect((await partitioning.mget(keys.slice(0, 3)))[1]).toBe('first');
      const replies = await partitioning.pipeline().get('order:2').incr('hits:{order:2}').exec();
      expect(replies.map(([, value]) => value)).toEqual(['x', 1]);

      const report = await partitioning.analyzeDistribution();
      expect(report.mode).toBe('cluster');
      expect(report.cluster).toHaveLength(3);
      expect(report.cluster?.reduce((sum, master) => sum + master.slots, 0)).toBe(16_384);
      expect(report.totalKeys).toBe(6001);
      const masters = await cluster.masters();
      expect(new Set(report.cluster?.map((master) => master.port))).toEqual(
        new Set(masters.map((master) => master.port)),
      );
      for (const master of report.cluster ?? []) {
        const expected = keys.filter((key) =>
          master.slotRanges.some(([start, end]) => keySlot(key) >= start && keySlot(key) <= end),
        ).length;
        expect(master.keys).toBe(
          expected +
            (master.slotRanges.some(
              ([start, end]) =>
                keySlot('hits:{order:2}') >= start && keySlot('hits:{order:2}') <= end,
            )
              ? 1
              : 0),
        );
      }
      expect(report.hotNodes).toEqual([]);
      const sampled = await partitioning.analyzeDistribution({ sample: keys });
      expect(sampled.counted).toBe('sample');
      expect(sampled.totalKeys).toBe(6000);

      const validation = await partitioning.validate();
      expect(validation).toMatchObject({ valid: true, scannedKeys: 6001, misplacedCount: 0 });
      expect(partitioning.health().nodes[0]?.health.topology).toBe('cluster');

      await expect(partitioning.planRebalance([])).rejects.toThrow(ClusterModeError);
      await expect(partitioning.planRebalance([])).rejects.toThrow(/redis-cli --cluster rebalance/);
      expect(await partitioning.del(keys)).toBe(6000);
    } finally {
      await partitioning.close();
    }
  });
});
