import { type Address, keySlot, loadConfigFromEnv } from '@redgrid/core';
import type { ClusterTopology, SentinelTopology } from '@redgrid/redis-harness';
import type { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { commandCalls, type StartedTopology, startTopology } from '../test-support/topologies.js';
import { createConnection } from './create-connection.js';
import type { RedisConnection } from './redis-connection.js';

// REDIS_READ_FROM on real topologies: where reads land (INFO commandstats of every data node),
// that writes still go to the master, and what staleness a caller can see.

let started: StartedTopology | undefined;
let connection: RedisConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await started?.stop();
  connection = undefined;
  started = undefined;
});

async function dataNodes(
  started: StartedTopology,
): Promise<{ masters: Address[]; replicas: Address[] }> {
  const masters = await started.masters();
  const topology = started.topology as SentinelTopology | ClusterTopology;
  const replicas = (await topology.replicas()).map(({ host, port }) => ({ host, port }));
  return { masters, replicas };
}

async function resetStats(clients: Redis[]): Promise<void> {
  await Promise.all(clients.map((client) => client.config('RESETSTAT')));
}

async function getCalls(clients: Redis[]): Promise<number> {
  let total = 0;
  for (const client of clients) total += await commandCalls(client, 'get');
  return total;
}

describe.each(['sentinel', 'cluster'] as const)('REDIS_READ_FROM on %s', (kind) => {
  it.each(['replica', 'prefer-replica'] as const)(
    '%s: reads land on replicas, writes on masters',
    async (mode) => {
      started = await startTopology(kind);
      const current = started;
      const topology = current.topology as SentinelTopology | ClusterTopology;
      connection = createConnection(
        loadConfigFromEnv({ ...topology.env(), REDIS_READ_FROM: mode }),
      );
      const client = connection.client;
      await connection.connect();
      const keys = Array.from({ length: 200 }, (_, index) => `read:${index}`);
      for (const key of keys) await client.set(key, `v1:${key}`);
      const { masters, replicas } = await dataNodes(current);
      const masterClients = masters.map((address) => current.raw(address));
      const replicaClients = replicas.map((address) => current.raw(address));
      // Every replica has every key before the reads are counted (replication is asynchronous).
      await topology.waitFor(
        async () => {
          let copies = 0;
          for (const replica of replicaClients) copies += await replica.dbsize();
          return copies >= keys.length * (kind === 'sentinel' ? replicas.length : 1);
        },
        { timeoutMs: 30_000, message: 'replicas caught up' },
      );
      await replicaConnectionsReady(current, connection);
      await resetStats([...masterClients, ...replicaClients]);

      const values = await Promise.all(keys.map((key) => client.get(key)));
      expect(values).toEqual(keys.map((key) => `v1:${key}`));
      await client.set('read:written', 'w');

      const onReplicas = await getCalls(replicaClients);
      const onMasters = await getCalls(masterClients);
      const setsOnMasters = (
        await Promise.all(masterClients.map((master) => commandCalls(master, 'set')))
      ).reduce((sum, calls) => sum + calls, 0);
      console.log(JSON.stringify({ scenario: `read-from ${kind} ${mode}`, onReplicas, onMasters }));
      expect(onReplicas).toBe(keys.length);
      expect(onMasters).toBe(0);
      expect(setsOnMasters).toBe(1);
      if (kind === 'sentinel') {
        const address = connection.health().readReplica?.address;
        expect(replicas.map(({ port }) => port)).toContain(address?.port);
      }
    },
  );

  it('replica: every read converges to the latest write (staleness right after a write is reported)', async () => {
    started = await startTopology(kind);
    const current = started;
    const topology = current.topology as SentinelTopology | ClusterTopology;
    connection = createConnection(
      loadConfigFromEnv({ ...topology.env(), REDIS_READ_FROM: 'replica' }),
    );
    const client = connection.client;
    await client.set('stale', 'old');
    await replicaConnectionsReady(current, connection);
    await topology.waitFor(async () => (await client.get('stale')) === 'old', {
      timeoutMs: 30_000,
      message: 'the first value replicated',
    });
    const masterOfKey = await masterFor(current, 'stale');
    // Cut the replication links in the same transaction as the write: the replicas receive the
    // write only when they reconnect, so a read at once usually sees the old value. Usually, not
    // always: on a loaded machine every try was seen to read the new value, so how many reads were
    // stale is printed (the README's gotcha), and what is asserted is that every read converges.
    let stale = 0;
    const attempts = 5;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const value = `new-${attempt}`;
      await masterOfKey
        .multi()
        .call('CLIENT', 'KILL', 'TYPE', 'replica')
        .set('stale', value)
        .exec();
      if ((await client.get('stale')) !== value) stale++;
      await topology.waitFor(async () => (await client.get('stale')) === value, {
        timeoutMs: 30_000,
        message: 'the replica caught up',
      });
    }
    console.log(JSON.stringify({ scenario: `read-from ${kind} staleness`, attempts, stale }));
    expect(await client.get('stale')).toBe(`new-${attempts - 1}`);
  });
});

/**
 * Waits until reads can reach replicas: the Sentinel read replica, or every cluster replica in
 * the client's slot table and connected. (A cluster lists a replica in CLUSTER SLOTS only once
 * it has replicated something, so a fresh cluster's first slot table names masters alone.)
 */
async function replicaConnectionsReady(
  started: StartedTopology,
  connection: RedisConnection,
): Promise<void> {
  const topology = started.topology as SentinelTopology | ClusterTopology;
  if (started.kind === 'sentinel') {
    await topology.waitFor(() => connection.health().readReplica?.status === 'ready', {
      timeoutMs: 30_000,
      message: 'read replica connected',
    });
    return;
  }
  const expected = (await topology.replicas()).length;
  const replicas = () => (connection.client as Cluster).nodes('slave');
  await topology.waitFor(() => replicas().length === expected, {
    timeoutMs: 30_000,
    message: 'replicas in the slot table',
  });
  // Replica connections are opened on first use.
  await Promise.all(replicas().map((node) => node.ping()));
  await topology.waitFor(() => replicas().every((node) => node.status === 'ready'), {
    timeoutMs: 30_000,
    message: 'replica connections ready',
  });
}

async function masterFor(started: StartedTopology, key: string): Promise<Redis> {
  if (started.kind === 'cluster') {
    const master = await (started.topology as ClusterTopology).masterFor(keySlot(key));
    return started.raw(master);
  }
  const [master] = await started.masters();
  if (master === undefined) throw new Error('no master');
  return started.raw(master);
}
