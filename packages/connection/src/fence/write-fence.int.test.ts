import { keySlot, loadConfigFromEnv } from '@redgrid/core';
import type { ClusterTopology, SentinelTopology } from '@redgrid/redis-harness';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from '../connection/create-connection.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { type StartedTopology, startTopology } from '../test-support/topologies.js';
import { WriteLoad } from '../test-support/write-load.js';

// Planned failovers (SENTINEL FAILOVER, CLUSTER FAILOVER) under 50 concurrent writers, with the
// configuration a user gets from the environment alone, with and without the write fence
// (REDIS_WAIT_REPLICAS). Each prints a JSON summary: errors surfaced, writes acknowledged and
// lost (every acknowledged key is read back from the new master).

const writers = 50;
let started: StartedTopology | undefined;
let connection: RedisConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await started?.stop();
  connection = undefined;
  started = undefined;
});

async function progress(started: StartedTopology, load: WriteLoad, count: number) {
  const target = load.acknowledged.length + count;
  await started.topology.waitFor(() => load.acknowledged.length >= target, {
    timeoutMs: 30_000,
    intervalMs: 20,
    message: `${count} more acknowledged writes`,
  });
}

function errorKindsOtherThan(load: WriteLoad, allowed: string): Record<string, number> {
  return Object.fromEntries([...load.errorKinds].filter(([kind]) => kind !== allowed));
}

describe('planned Sentinel failover under load', () => {
  it.each([
    ['defaults (writes held during the failover)', {}],
    ['REDIS_WAIT_REPLICAS=1', { REDIS_WAIT_REPLICAS: '1' }],
  ])('%s: loses no acknowledged write; only unconfirmed writes fail', async (label, extra) => {
    started = await startTopology('sentinel');
    const topology = started.topology as SentinelTopology;
    connection = createConnection(loadConfigFromEnv({ ...topology.env(), ...extra }));
    await connection.connect();
    const load = new WriteLoad(connection.client, { writers, prefix: 'f' });
    load.start();
    await progress(started, load, 2_000);
    const old = await topology.master();
    await topology.failover();
    await progress(started, load, 2_000);
    const summary = await load.stop();
    const lost = await load.lostWrites();
    console.log(
      JSON.stringify({ scenario: `sentinel-planned-failover ${label}`, ...summary, lost }),
    );

    expect(connection.health().currentMaster?.port).not.toBe(old.port);
    expect(lost).toBe(0);
    // The fence may refuse the writes whose confirmation spanned the start of the failover
    // (typed), and nothing else fails.
    expect(errorKindsOtherThan(load, 'ERR_WRITE_NOT_CONFIRMED')).toEqual({});
    if (!('REDIS_WAIT_REPLICAS' in extra)) expect(summary.errors).toBe(0);
  });
});

describe('planned cluster failover under load', () => {
  it.each([
    ['defaults', {}],
    ['REDIS_WAIT_REPLICAS=1', { REDIS_WAIT_REPLICAS: '1' }],
  ])('%s: CLUSTER FAILOVER loses no acknowledged write', async (label, extra) => {
    started = await startTopology('cluster');
    const topology = started.topology as ClusterTopology;
    connection = createConnection(loadConfigFromEnv({ ...topology.env(), ...extra }));
    await connection.connect();
    const load = new WriteLoad(connection.client, { writers, prefix: 'g' });
    load.start();
    await progress(started, load, 2_000);
    const slot = keySlot('g:0:0');
    const master = await topology.masterFor(slot);
    await topology.failover(await replicaOf(started, master.port));
    await topology.waitFor(async () => (await topology.masterFor(slot)).id !== master.id, {
      timeoutMs: 30_000,
      message: 'the replica took over the slot',
    });
    await progress(started, load, 2_000);
    const summary = await load.stop();
    const lost = await load.lostWrites();
    console.log(
      JSON.stringify({ scenario: `cluster-planned-failover ${label}`, ...summary, lost }),
    );

    expect(lost).toBe(0);
    expect(errorKindsOtherThan(load, 'ERR_WRITE_NOT_CONFIRMED')).toEqual({});
  });
});

/** The replica that replicates the master on `masterPort` now. */
async function replicaOf(started: StartedTopology, masterPort: number) {
  const topology = started.topology as ClusterTopology;
  for (const replica of await topology.replicas()) {
    const info = await started.raw(replica).info('replication');
    if (Number(/master_port:(\d+)/.exec(info)?.[1]) === masterPort) return replica;
  }
  throw new Error(`no replica of the master on port ${masterPort}`);
}
