import type { RedisConnection } from '@redgrid/connection';
import { type ClusterTopology, startCluster } from '@redgrid/redis-harness';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterWriters,
  checkPreloaded,
  defaultConnection,
  preload,
} from '../test-support/cluster-load.js';
import { inspectCluster } from './fix-cluster.js';
import { type ClusterRebalanceProgress, rebalanceCluster } from './rebalance-cluster.js';

// 3 -> 4 -> 3 masters (1 replica each) with 20k keys with TTLs, under 50 writers that use a
// connection made from the environment alone. The scenarios build on each other.
const keyCount = 20_000;
let cluster: ClusterTopology;
let app: RedisConnection<Cluster>;
let admin: RedisConnection<Cluster>;
let writtenAt = 0;

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1, emptyMasters: 1 });
  app = defaultConnection(cluster.env());
  admin = defaultConnection(cluster.env());
  ({ writtenAt } = await preload(app.client, keyCount));
});

afterAll(async () => {
  await app?.close();
  await admin?.close();
  await cluster?.stop();
});

async function slotsPerMaster(): Promise<Map<string, number>> {
  const snapshot = await inspectCluster(admin);
  const counts = new Map<string, number>();
  for (const owner of snapshot.slotOwners) {
    const node = snapshot.masters.find((master) => master.id === owner);
    if (node) counts.set(node.address, (counts.get(node.address) ?? 0) + 1);
  }
  expect(snapshot.openSlots).toEqual([]);
  expect(snapshot.uncoveredSlots).toEqual([]);
  return counts;
}

async function underLoad(prefix: string, run: () => Promise<unknown>) {
  const writers = new ClusterWriters(app.client, { writers: 50, preloaded: keyCount, prefix });
  writers.start();
  try {
    await run();
  } finally {
    await writers.stop();
  }
  return writers;
}

describe('rebalanceCluster under load', () => {
  it('grows 3 -> 4 masters: every master within 5% of 4096 slots, 0 errors, 0 keys or TTLs lost', async () => {
    const progress: ClusterRebalanceProgress[] = [];
    let result: Awaited<ReturnType<typeof rebalanceCluster>> | undefined;
    const writers = await underLoad('grow', async () => {
      result = await rebalanceCluster(admin, {
        useEmptyMasters: true,
        onProgress: (event) => progress.push(event),
      });
    });
    console.log(
      `grow 3->4: moved ${result?.slotsMoved} slots, ${result?.keysMoved} keys in ${result?.elapsedMs.toFixed(0)} ms (${progress.filter((event) => event.phase === 'moving').length} progress events); writers: ${writers.operations} ops, ${writers.errors.length} errors ${JSON.stringify(writers.errors.slice(0, 3))}`,
    );
    expect(writers.errors).toEqual([]);
    expect(result?.plan.needed).toBe(true);
    expect(result?.slotsMoved).toBe(4096);
    expect(result?.skipped).toEqual([]);
    const counts = await slotsPerMaster();
    expect(counts.size).toBe(4);
    for (const slots of counts.values())
      expect(Math.abs(slots - 4096)).toBeLessThanOrEqual(4096 * 0.05);
    expect(progress.at(-1)?.phase).toBe('done');
    expect(await writers.missing()).toBe(0);
    expect(await checkPreloaded(app.client, keyCount, writtenAt)).toEqual({
      lost: 0,
      wrong: 0,
      ttlLost: 0,
      ttlWrong: 0,
    });
    await cluster.waitUntilReady({ timeoutMs: 30_000 });
  });

  it('plans nothing when balanced (dry run changes nothing)', async () => {
    const result = await rebalanceCluster(admin, { dryRun: true, thresholdPercent: 2 });
    expect(result.plan.needed).toBe(false);
    expect(result.plan.moves).toEqual([]);
    expect(result.slotsMoved).toBe(0);
  });

  it('shrinks 4 -> 3 by draining a master: the rest within 5% of 5461 slots, 0 errors, 0 lost', async () => {
    const before = await slotsPerMaster();
    const [drained] = [...before.keys()].sort();
    if (drained === undefined) throw new Error('no master');
    const dry = await rebalanceCluster(admin, { remove: [drained], dryRun: true });
    expect(dry.plan.moves.every((move) => move.fromAddress === drained)).toBe(true);
    expect(dry.plan.slotsToMove).toBe(before.get(drained));
    expect(dry.plan.keysToMove).toBeGreaterThan(0);
    let result: Awaited<ReturnType<typeof rebalanceCluster>> | undefined;
    const writers = await underLoad('shrink', async () => {
      result = await rebalanceCluster(admin, { remove: [drained] });
    });
    console.log(
      `shrink 4->3: moved ${result?.slotsMoved} slots, ${result?.keysMoved} keys in ${result?.elapsedMs.toFixed(0)} ms; writers: ${writers.operations} ops, ${writers.errors.length} errors ${JSON.stringify(writers.errors.slice(0, 3))}; warnings ${JSON.stringify(result?.warnings)}`,
    );
    expect(writers.errors).toEqual([]);
    const counts = await slotsPerMaster();
    expect(counts.has(drained)).toBe(false);
    expect(counts.size).toBe(3);
    for (const slots of counts.values())
      expect(Math.abs(slots - 5461)).toBeLessThanOrEqual(5461 * 0.05);
    expect(await writers.missing()).toBe(0);
    expect(await checkPreloaded(app.client, keyCount, writtenAt)).toEqual({
      lost: 0,
      wrong: 0,
      ttlLost: 0,
      ttlWrong: 0,
    });
    // Redis 7 turns a master that lost its last slot into a replica of the node that took it.
    const snapshot = await inspectCluster(admin);
    expect(snapshot.nodes.find((node) => node.address === drained)?.role).toBe('replica');
    await cluster.waitUntilReady({ timeoutMs: 30_000 });
  });
});
