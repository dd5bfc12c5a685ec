import { ConfigError } from '@redgrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { MigrateOptions } from '../migration/migration-types.js';
import { planRebalance } from '../rebalance/plan-rebalance.js';
import { createPartitionedRedis } from './create-partitioned-redis.js';
import type { PartitionedRedis } from './partitioned-redis.js';

// Every check here fails before any I/O: the nodes' connections are lazy and never connect.
const node = (id: string) => ({
  id,
  config: { type: 'single' as const, options: { host: '127.0.0.1', port: 1 } },
});
const opened: PartitionedRedis[] = [];
function open(): PartitionedRedis {
  const partitioning = createPartitionedRedis({ nodes: [node('a'), node('b')] });
  opened.push(partitioning);
  return partitioning;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((partitioning) => partitioning.close()));
});

/** The option paths a rejected call's `ConfigError` names. */
async function badOptions(call: () => unknown): Promise<string[]> {
  let caught: unknown;
  try {
    await call();
  } catch (error) {
    caught = error;
  }
  if (!ConfigError.isInstance(caught)) throw new Error(`expected a ConfigError, got ${caught}`);
  return caught.issues.map((issue) => issue.variable);
}

describe('createPartitionedRedis options', () => {
  it('names a bad hotThreshold next to the other node-list problems, in one ConfigError', async () => {
    expect(
      await badOptions(() =>
        createPartitionedRedis({
          nodes: [
            node('a'),
            {
              id: 'c',
              config: { type: 'cluster', options: { nodes: [{ host: '127.0.0.1', port: 1 }] } },
            },
          ],
          hotThreshold: 0,
        }),
      ),
    ).toEqual(['nodes', 'hotThreshold']);
    expect(
      await badOptions(() =>
        createPartitionedRedis({ nodes: [node('a')], hotThreshold: Number.NaN }),
      ),
    ).toEqual(['hotThreshold']);
  });

  it('rejects a TTL PX would refuse, naming options.ttlMs', async () => {
    const partitioning = open();
    expect(await badOptions(() => partitioning.set('k', 'v', { ttlMs: 0 }))).toEqual([
      'options.ttlMs',
    ]);
    expect(await badOptions(() => partitioning.mset({ k: 'v' }, { ttlMs: 1.5 }))).toEqual([
      'options.ttlMs',
    ]);
  });

  it('names every bad option of validate and analyzeDistribution', async () => {
    const partitioning = open();
    expect(
      await badOptions(() =>
        partitioning.validate({ maxReported: -1, scanCount: 0, match: 5 as unknown as string }),
      ),
    ).toEqual(['options.maxReported', 'options.scanCount', 'options.match']);
    expect(
      await badOptions(() => partitioning.analyzeDistribution({ match: [] as unknown as string })),
    ).toEqual(['options.match']);
  });

  it('names every bad option of migrate before it moves or routes anything', async () => {
    const partitioning = open();
    const plan = planRebalance(partitioning.layout, {
      nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      strategy: { type: 'consistent-hash' },
    });
    const options = {
      batchSize: 0,
      concurrency: 2.5,
      migrateTimeoutMs: -1,
      transfer: 'copy',
      onProgress: 'log',
      checkpointStore: { load: async () => undefined },
    } as unknown as MigrateOptions;
    expect(await badOptions(() => partitioning.migrate(plan, options))).toEqual([
      'options.batchSize',
      'options.concurrency',
      'options.migrateTimeoutMs',
      'options.transfer',
      'options.onProgress',
      'options.checkpointStore',
    ]);
    expect(partitioning.migratingPlan).toBeUndefined();
    expect(
      await badOptions(() => partitioning.migrate(plan, { ...options, dryRun: true })),
    ).toHaveLength(6);
  });

  it('accepts the documented defaults and limits', async () => {
    const partitioning = createPartitionedRedis({ nodes: [node('a')], hotThreshold: 1.2 });
    opened.push(partitioning);
    // A plan already applied returns before any I/O once the options pass.
    const plan = planRebalance(partitioning.layout, partitioning.layout);
    const result = await partitioning.migrate(plan, {
      batchSize: 1,
      concurrency: 1,
      migrateTimeoutMs: 0,
      transfer: 'dump-restore',
      onProgress: () => undefined,
    });
    expect(result.alreadyApplied).toBe(true);
  });
});
