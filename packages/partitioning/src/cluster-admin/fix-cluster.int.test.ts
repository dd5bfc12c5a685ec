import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisConnection } from '@redgrid/connection';
import { keySlot } from '@redgrid/core';
import { type ClusterTopology, startCluster, waitFor } from '@redgrid/redis-harness';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import {
  checkPreloaded,
  defaultConnection,
  preload,
  preloadKey,
} from '../test-support/cluster-load.js';
import type { ClusterNodeInfo } from './cluster-snapshot.js';
import { fixCluster, inspectCluster } from './fix-cluster.js';
import { rebalanceCluster } from './rebalance-cluster.js';

// Half-moved slots made by hand (each state an interrupted move can leave), then a rebalancing
// process SIGKILLed mid-move: fixCluster / a new rebalance settle them, no key or TTL lost.
const keyCount = 5_000;
let cluster: ClusterTopology;
let app: RedisConnection<Cluster>;
let writtenAt = 0;
const clients = new Map<string, Redis>();

function client(node: ClusterNodeInfo): Redis {
  let found = clients.get(node.address);
  if (!found) {
    found = new Redis({ host: node.host, port: node.port });
    clients.set(node.address, found);
  }
  return found;
}

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 0, emptyMasters: 1 });
  app = defaultConnection(cluster.env());
  ({ writtenAt } = await preload(app.client, keyCount));
});

afterAll(async () => {
  for (const redis of clients.values()) redis.disconnect();
  await app?.close();
  await cluster?.stop();
});

/** Keys of the preloaded keyspace in `slot`. */
function keysIn(slot: number): string[] {
  const keys: string[] = [];
  for (let index = 0; index < keyCount; index++)
    if (keySlot(preloadKey(index)) === slot) keys.push(preloadKey(index));
  return keys;
}

/** A slot of `owner` holding at least two preloaded keys. */
function slotWithKeys(owner: ClusterNodeInfo, used: Set<number>): number {
  const slot = owner.slots.find(
    (candidate) => !used.has(candidate) && keysIn(candidate).length >= 2,
  );
  if (slot === undefined) throw new Error('no slot with keys');
  used.add(slot);
  return slot;
}

describe('fixCluster', () => {
  it('settles every kind of half-moved slot, finishing the interrupted moves', async () => {
    const snapshot = await inspectCluster(app);
    const [source, other] = snapshot.masters.filter((node) => node.slots.length > 0);
    const target = snapshot.masters.find((node) => node.slots.length === 0);
    if (!source || !other || !target) throw new Error('unexpected topology');
    const used = new Set<number>();
    const src = client(source);
    const dst = client(target);
    const migrate = (keys: string[]) =>
      src.call('MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', ...keys);

    // a: target importing only (killed between the two SETSLOTs).
    const a = slotWithKeys(source, used);
    await dst.call('CLUSTER', 'SETSLOT', a, 'IMPORTING', source.id);
    // b: both sides open, one key already moved.
    const b = slotWithKeys(source, used);
    await dst.call('CLUSTER', 'SETSLOT', b, 'IMPORTING', source.id);
    await src.call('CLUSTER', 'SETSLOT', b, 'MIGRATING', target.id);
    await migrate(keysIn(b).slice(0, 1));
    // c: every key moved and the target owns the slot; the source still migrating.
    const c = slotWithKeys(source, used);
    await dst.call('CLUSTER', 'SETSLOT', c, 'IMPORTING', source.id);
    await src.call('CLUSTER', 'SETSLOT', c, 'MIGRATING', target.id);
    await migrate(keysIn(c));
    await dst.call('CLUSTER', 'SETSLOT', c, 'NODE', target.id);
    // d: the source migrating to a target that does not import.
    const d = slotWithKeys(source, used);
    await src.call('CLUSTER', 'SETSLOT', d, 'MIGRATING', target.id);
    // e: two nodes importing from the owner, one of them holding a key the owner lacks (a write
    // it took with ASKING) and one the owner has too: no single move to finish, so the owner
    // keeps the slot, gets the stray key, and keeps its own copy of the conflicting one.
    const e = slotWithKeys(source, used);
    const [conflicting] = keysIn(e);
    await dst.call('CLUSTER', 'SETSLOT', e, 'IMPORTING', source.id);
    await client(other).call('CLUSTER', 'SETSLOT', e, 'IMPORTING', source.id);
    const strayKey = `stray:{${conflicting}}`;
    // ASKING applies to the next command of the same connection.
    await Promise.all([dst.call('ASKING'), dst.set(strayKey, 'from-target', 'PX', 3_600_000)]);
    await Promise.all([dst.call('ASKING'), dst.set(conflicting ?? '', 'stale')]);

    const open = await inspectCluster(app);
    expect(open.openSlots).toEqual([a, b, c, d, e].sort((x, y) => x - y));

    const dry = await fixCluster(app, { dryRun: true });
    const bySlot = new Map(dry.fixes.map((fix) => [fix.slot, fix]));
    for (const slot of [a, b, c, d]) expect(bySlot.get(slot)?.finalOwner).toBe(target.id);
    expect(bySlot.get(a)?.action).toBe('resume');
    expect(bySlot.get(c)?.owner).toBe(target.id);
    expect(bySlot.get(e)).toMatchObject({ action: 'close', finalOwner: source.id });
    expect(bySlot.get(e)?.strays).toEqual([{ node: target.id, keys: 2 }]);
    expect((await inspectCluster(app)).openSlots).toHaveLength(5);

    const result = await fixCluster(app);
    console.log(
      `fix: ${JSON.stringify(result.fixes.map((fix) => [fix.slot, fix.action]))}, moved ${result.keysMoved}, conflicts ${JSON.stringify(result.conflicts)}`,
    );
    const after = await inspectCluster(app);
    expect(after.openSlots).toEqual([]);
    expect(after.uncoveredSlots).toEqual([]);
    for (const slot of [a, b, c, d]) expect(after.slotOwners[slot]).toBe(target.id);
    expect(after.slotOwners[e]).toBe(source.id);
    expect(result.conflicts).toEqual([{ slot: e, node: target.address, keys: [conflicting] }]);
    // Every node agrees (SETSLOT NODE went to every master).
    for (const master of after.masters) {
      const nodes = String(await client(master).call('CLUSTER', 'NODES'));
      expect(nodes).not.toMatch(/\[\d+-[<>]-/);
    }
    expect(await app.client.get(strayKey)).toBe('from-target');
    expect(await app.client.pttl(strayKey)).toBeGreaterThan(3_500_000);
    expect(await checkPreloaded(app.client, keyCount, writtenAt)).toEqual({
      lost: 0,
      wrong: 0,
      ttlLost: 0,
      ttlWrong: 0,
    });
    await cluster.waitUntilReady({ timeoutMs: 30_000 });
  });

  it('refuses half-moved slots when fixing is off', async () => {
    const snapshot = await inspectCluster(app);
    const owner = snapshot.masters.find((node) => node.slots.length > 100);
    const importer = snapshot.masters.find((node) => node !== owner);
    if (!owner || !importer) throw new Error('unexpected topology');
    const slot = owner.slots[10] ?? 0;
    await client(importer).call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', owner.id);
    await expect(rebalanceCluster(app, { fix: false, useEmptyMasters: true })).rejects.toSatisfy(
      (error) => ClusterAdminError.isInstance(error) && error.reason === 'open-slots',
    );
    await client(importer).call('CLUSTER', 'SETSLOT', slot, 'STABLE');
  });
});

describe('a killed rebalance, run again', () => {
  it('finishes the moves in flight and completes, with every key and TTL intact', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'redgrid-rebalance-'));
    const release = join(directory, 'release');
    const script = fileURLToPath(new URL('../test-support/rebalance-child.ts', import.meta.url));
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const child: ChildProcess = spawn(
      process.execPath,
      ['--conditions=@redgrid/source', '--import', tsx, script, release],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...cluster.env() } },
    );
    let frozen = 0;
    let stderr = '';
    child.stderr?.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    child.stdout?.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) if (line.includes('"frozen"')) frozen++;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => {
      child.on('exit', (_code, signal) => resolve(signal));
    });
    let openAtKill: readonly number[] = [];
    try {
      // Freeze after each batch until the cluster shows other batches half-moved, then kill.
      for (let seen = 1; seen <= 40 && openAtKill.length === 0; seen++) {
        await waitFor(() => frozen >= seen, {
          timeoutMs: 60_000,
          message: `child frozen (${stderr})`,
        });
        openAtKill = (await inspectCluster(app)).openSlots;
        if (openAtKill.length === 0) await writeFile(release, '');
      }
    } finally {
      child.kill('SIGKILL');
      await rm(directory, { recursive: true, force: true });
    }
    expect(await exited).toBe('SIGKILL');
    console.log(
      `killed rebalance: ${frozen} batches reported, ${openAtKill.length} slots half-moved at the kill`,
    );
    expect(openAtKill.length).toBeGreaterThan(0);

    const result = await rebalanceCluster(app, { useEmptyMasters: true });
    console.log(
      `resumed: fixed ${result.fix.fixes.length} slots (${result.fix.keysMoved} keys), then moved ${result.slotsMoved} slots in ${result.elapsedMs.toFixed(0)} ms`,
    );
    expect(result.fix.fixes.map((fix) => fix.slot).sort((x, y) => x - y)).toEqual(openAtKill);
    const after = await inspectCluster(app);
    expect(after.openSlots).toEqual([]);
    const counts = new Map<string, number>();
    for (const owner of after.slotOwners)
      if (owner) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    expect(counts.size).toBe(4);
    for (const slots of counts.values())
      expect(Math.abs(slots - 4096)).toBeLessThanOrEqual(4096 * 0.05);
    expect(await checkPreloaded(app.client, keyCount, writtenAt)).toEqual({
      lost: 0,
      wrong: 0,
      ttlLost: 0,
      ttlWrong: 0,
    });
    await cluster.waitUntilReady({ timeoutMs: 30_000 });
  });
});
