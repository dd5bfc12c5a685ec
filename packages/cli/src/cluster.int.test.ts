import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import type { ClusterRebalanceResult, ClusterSnapshot } from '@redgrid/partitioning';
import { type ClusterTopology, startCluster, waitFor } from '@redgrid/redis-harness';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, runBin, startBin } from './test-support/run-bin.js';

// The redgrid bin against a real cluster: 3 masters with a replica each and one empty master.
const keyCount = 20_000;
let cluster: ClusterTopology;
let connection: RedisConnection<Cluster>;
let env: Record<string, string>;

async function check(): Promise<{ healthy: boolean } & ClusterSnapshot> {
  const run = await runBin(['cluster', 'check', '--json'], env);
  return jsonOf(run);
}

async function expectKeysIntact(): Promise<void> {
  let lost = 0;
  let ttlLost = 0;
  for (let offset = 0; offset < keyCount; offset += 1000) {
    const indexes = Array.from({ length: 1000 }, (_, index) => offset + index);
    const replies = await Promise.all(
      indexes.map((index) =>
        Promise.all([connection.client.get(`k:${index}`), connection.client.pttl(`k:${index}`)]),
      ),
    );
    replies.forEach(([value, ttl], position) => {
      if (value !== `v${indexes[position]}`) lost++;
      if (ttl < 3_000_000) ttlLost++;
    });
  }
  expect({ lost, ttlLost }).toEqual({ lost: 0, ttlLost: 0 });
}

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1, emptyMasters: 1 });
  env = cluster.env();
  connection = createConnection(loadConfigFromEnv(env)) as RedisConnection<Cluster>;
  for (let offset = 0; offset < keyCount; offset += 1000) {
    await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        connection.client.set(`k:${offset + index}`, `v${offset + index}`, 'PX', 3_600_000),
      ),
    );
  }
});

afterAll(async () => {
  await connection?.close();
  await cluster?.stop();
});

describe('redgrid against a Redis Cluster', () => {
  it('health --json prints the /health/detailed report and exits 0', async () => {
    const run = await runBin(['health', '--json'], env);
    expect(run.code).toBe(0);
    const report = jsonOf<{
      overall: string;
      checks: Array<{ name: string; details: Record<string, unknown> }>;
    }>(run);
    expect(report.overall).toBe('healthy');
    expect(report.checks[0]?.details).toMatchObject({
      topology: 'cluster',
      clusterState: 'ok',
      masterCount: 3,
    });
    const table = await runBin(['health'], env);
    expect(table.stdout).toMatch(/overall: healthy/);
  });

  it('cluster check and analyze read the cluster', async () => {
    const snapshot = await check();
    expect(snapshot.healthy).toBe(true);
    expect(snapshot.masters).toHaveLength(4);
    const analysis = jsonOf<{
      masters: Array<{ keys: number; slots: number }>;
      balance: { bySlots: { needed: boolean } };
    }>(await runBin(['analyze', '--json', '--sample', '2000'], env));
    expect(analysis.masters.reduce((sum, master) => sum + master.keys, 0)).toBe(keyCount);
    expect(analysis.masters.filter((master) => master.slots > 0)).toHaveLength(3);
    const text = await runBin(['analyze'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/biggest keys/);
  });

  it('cluster rebalance --dry-run plans 4096 slots for the empty master and changes nothing', async () => {
    const run = await runBin(
      ['cluster', 'rebalance', '--use-empty-masters', '--dry-run', '--json'],
      env,
    );
    expect(run.code).toBe(0);
    const result = jsonOf<ClusterRebalanceResult>(run);
    expect(result.plan.slotsToMove).toBe(4096);
    expect(result.slotsMoved).toBe(0);
    const text = await runBin(['cluster', 'rebalance', '--dry-run'], env);
    expect(text.stdout).toMatch(/has no slots and is left out/);
    expect((await check()).masters.filter((master) => master.slots.length === 0)).toHaveLength(1);
  });

  it('Ctrl-C stops cleanly: exit 130 and no half-moved slot (the next test completes the rebalance)', async () => {
    const running = startBin(
      [
        'cluster',
        'rebalance',
        '--use-empty-masters',
        '--slots-per-batch',
        '1',
        '--concurrency',
        '1',
      ],
      env,
    );
    await waitFor(() => running.stderr.includes('rebalance:'), {
      timeoutMs: 60_000,
      message: `first progress line (${running.stderr})`,
    });
    running.child.kill('SIGINT');
    const { code } = await running.exited;
    expect(code).toBe(130);
    expect(running.stderr).toMatch(/run again to continue/);
    const snapshot = await check();
    expect(snapshot.openSlots).toEqual([]);
    const partial = snapshot.masters.find(
      (master) => master.address === snapshot.masters.at(-1)?.address,
    );
    console.log(
      `interrupted rebalance left ${snapshot.masters.map((master) => master.slots.length).join('/')} slots per master (${partial?.address})`,
    );
  });

  it('a SIGKILLed rebalance, run again, finishes the move in flight and balances the cluster', async () => {
    const running = startBin(
      [
        'cluster',
        'rebalance',
        '--use-empty-masters',
        '--slots-per-batch',
        '2',
        '--concurrency',
        '2',
      ],
      env,
    );
    await waitFor(() => running.stderr.includes('rebalance:'), {
      timeoutMs: 60_000,
      message: `first progress line (${running.stderr})`,
    });
    running.child.kill('SIGKILL');
    expect((await running.exited).signal).toBe('SIGKILL');
    const open = (await check()).openSlots;
    const run = await runBin(['cluster', 'rebalance', '--use-empty-masters', '--json'], env);
    expect(run.code).toBe(0);
    const result = jsonOf<ClusterRebalanceResult>(run);
    console.log(
      `SIGKILL left ${open.length} half-moved slots; the next run fixed ${result.fix.fixes.length} and moved ${result.slotsMoved} slots in ${Math.round(result.elapsedMs)} ms`,
    );
    expect(result.fix.fixes.map((fix) => fix.slot)).toEqual(open);
    const after = await check();
    expect(after.healthy).toBe(true);
    expect(after.openSlots).toEqual([]);
    for (const master of after.masters)
      expect(Math.abs(master.slots.length - 4096)).toBeLessThanOrEqual(205);
    await expectKeysIntact();
  });

  it('cluster rebalance --remove drains a master; bad input exits 64 naming the flag', async () => {
    const bad = await runBin(['cluster', 'rebalance', '--remove', 'nope:1'], env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(
      /--remove: "nope:1" is not a master of this cluster; use a master's host:port or node id: 127\.0\.0\.1:/,
    );
    const badJson = await runBin(['cluster', 'rebalance', '--threshold', '200', '--json'], env);
    expect(badJson.code).toBe(64);
    expect(jsonOf<{ error: { code: string } }>(badJson).error.code).toBe('ERR_CLI_USAGE');
    const [drained] = (await check()).masters.map((master) => master.address).sort();
    const run = await runBin(['cluster', 'rebalance', '--remove', drained ?? '', '--json'], env);
    expect(run.code).toBe(0);
    const after = await check();
    const owning = after.masters.filter((master) => master.slots.length > 0);
    expect(owning.map((master) => master.address)).not.toContain(drained);
    for (const master of owning)
      expect(Math.abs(master.slots.length - 5461)).toBeLessThanOrEqual(274);
    await expectKeysIntact();
    await cluster.waitUntilReady({ timeoutMs: 30_000 });
  });
});
