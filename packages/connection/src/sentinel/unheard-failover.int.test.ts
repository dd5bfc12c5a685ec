import { loadConfigFromEnv, type RedisConfigInput } from '@redgrid/core';
import type { SentinelTopology } from '@redgrid/redis-harness';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createConnection } from '../connection/create-connection.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { type StartedTopology, startTopology } from '../test-support/topologies.js';
import { WriteLoad } from '../test-support/write-load.js';

// The second line of defence: a Sentinel failover the connection did not hear about (here its
// Sentinel user may not subscribe; in production, a subscription silently lost). When Sentinel
// demotes the old master it also kills its normal clients (`CLIENT KILL TYPE normal` in the same
// MULTI as `REPLICAOF`), so on Redis 7 the connection learns of the failover by losing its
// socket, rarely by a READONLY reply; either way it must find the new master through the
// Sentinels and resend, with no error surfaced.

let started: StartedTopology | undefined;
let connection: RedisConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await started?.stop();
  connection = undefined;
  started = undefined;
});

describe('a Sentinel failover the connection does not hear about', () => {
  it('moves to the new master when the old one is demoted, and surfaces no error', async () => {
    started = await startTopology('sentinel');
    const topology = started.topology as SentinelTopology;
    // The application's Sentinel user may query the Sentinels but not subscribe to them: the
    // connection resolves the master as usual and never hears +try-failover / +switch-master.
    const sentinels = topology.sentinelAddresses.map(
      ({ host, port }) => new Redis({ host, port, lazyConnect: true }),
    );
    onTestFinished(() => {
      for (const sentinel of sentinels) sentinel.disconnect();
    });
    for (const sentinel of sentinels) {
      await sentinel.call(
        'ACL',
        'SETUSER',
        'deaf',
        'on',
        '>deaf-password',
        '+@all',
        '-subscribe',
        '-psubscribe',
      );
    }
    const fromEnv = loadConfigFromEnv(topology.env());
    connection = createConnection({
      type: 'sentinel',
      options: { ...fromEnv.options, sentinelUsername: 'deaf', sentinelPassword: 'deaf-password' },
    } as RedisConfigInput);
    await connection.connect();
    const oldMaster = await topology.master();
    const load = new WriteLoad(connection.client, { writers: 20, prefix: 'demoted' });
    load.start();
    await topology.waitFor(() => load.acknowledged.length > 500, { timeoutMs: 30_000 });

    await topology.failover();
    const newMaster = await topology.master();
    // Sentinel demotes the old master (REPLICAOF) once it notices it still claims to be one.
    await topology.waitFor(async () => (await started?.raw(oldMaster).role())?.[0] === 'slave', {
      timeoutMs: 60_000,
      intervalMs: 50,
      message: 'the old master demoted',
    });
    await topology.waitFor(() => connection?.health().currentMaster?.port === newMaster.port, {
      timeoutMs: 60_000,
      intervalMs: 20,
      message: 'the connection on the new master',
    });
    const acked = load.acknowledged.length;
    await topology.waitFor(() => load.acknowledged.length > acked + 500, { timeoutMs: 30_000 });
    const summary = await load.stop();
    const lost = await load.lostWrites();
    const errorstats = await started.raw(oldMaster).info('errorstats');
    const readOnlyReplies = Number(/errorstat_READONLY:count=(\d+)/.exec(errorstats)?.[1] ?? 0);
    console.log(
      JSON.stringify({ scenario: 'sentinel-unheard-failover', readOnlyReplies, ...summary, lost }),
    );

    // No caller saw an error. The writes the old master acknowledged between the promotion and
    // its demotion are lost (`lost` above): that window is what the hold on +try-failover
    // closes when the announcements arrive.
    expect(summary.errors).toBe(0);
    expect(connection.health().currentMaster?.port).toBe(newMaster.port);
  });
});
