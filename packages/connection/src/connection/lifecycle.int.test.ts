import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConnectionClosedError, type RedisConfigInput } from '@redgrid/core';
import type { SentinelTopology, StandaloneTopology } from '@redgrid/redis-harness';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logging/logger.js';
import { type StartedTopology, startTopology } from '../test-support/topologies.js';
import { WriteLoad } from '../test-support/write-load.js';
import type { CommandMetricsEvent } from './connection-options.js';
import type { ConnectionState } from './connection-state.js';
import { createConnection } from './create-connection.js';
import type { RedisConnection } from './redis-connection.js';

let started: StartedTopology | undefined;
let connection: RedisConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await started?.stop();
  connection = undefined;
  started = undefined;
});

/** Sockets and timers alive in this process, by kind. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function sockets(): number {
  const counts = resources();
  return (counts.TCPSocketWrap ?? 0) + (counts.TLSSocketWrap ?? 0) + (counts.TCPWRAP ?? 0);
}

describe('lifecycle', () => {
  it.each(['standalone', 'cluster', 'sentinel'] as const)(
    'close() drains, then leaves no socket, timer or listener behind (%s)',
    async (kind) => {
      started = await startTopology(kind);
      const before = resources();
      const local = createConnection(started.config, { healthCheckIntervalMs: 50, poolSize: 3 });
      const blocking = local.dedicated();
      await local.connect();
      await local.client.set('{close}:key', 'value');
      const blocked = blocking.blpop('{close}:queue', 0).catch((error: unknown) => error);
      const pending = Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          local.client.incr(`{close}:counter:${index % 5}`),
        ),
      );
      const listenersBefore = local.client.listenerCount('ready');
      await local.close({ timeoutMs: 1_000 });
      // Replies already requested were drained by QUIT.
      expect((await pending).length).toBe(100);
      // The dedicated connection was closed with its parent.
      expect(ConnectionClosedError.isInstance(await blocked)).toBe(true);
      // A cluster closed while still connecting stays `disconnecting` (ioredis), without sockets.
      const closedNodes = (blocking as { nodes?: () => unknown[] }).nodes?.() ?? [];
      expect(blocking.status === 'end' || closedNodes.length === 0).toBe(true);
      expect(local.state).toBe('closed');
      await expect(local.client.get('{close}:key')).rejects.toSatisfy(
        ConnectionClosedError.isInstance,
      );
      expect(local.client.listenerCount('ready')).toBeLessThan(listenersBefore);
      await started.topology.waitFor(
        () => {
          const after = resources();
          return (
            sockets() <= (before.TCPSocketWrap ?? 0) + (before.TCPWRAP ?? 0) &&
            (after.Timeout ?? 0) <= (before.Timeout ?? 0)
          );
        },
        { timeoutMs: 5_000, intervalMs: 20, message: 'sockets and timers released' },
      );
      await local.close(); // idempotent
    },
  );

  it('notices a hung server (SIGSTOP) through the deadline and PING, and recovers on resume', async () => {
    started = await startTopology('standalone', {
      options: { commandTimeoutMs: 300, maxRetriesPerRequest: null },
    });
    const topology = started.topology as StandaloneTopology;
    connection = createConnection(started.config, {
      healthCheckIntervalMs: 100,
      breaker: { openDurationMs: 300, maxOpenDurationMs: 600 },
    });
    const states: Array<{ to: ConnectionState; at: number }> = [];
    connection.on('state', ({ to }) => states.push({ to, at: performance.now() }));
    await connection.connect();
    await connection.checkHealth();
    expect(connection.state).toBe('ready');

    const pausedAt = performance.now();
    await topology.pause(topology.node);
    await topology.waitFor(() => connection?.state === 'down', {
      timeoutMs: 10_000,
      intervalMs: 10,
      message: 'state down',
    });
    const firstBadState = states.find(
      (state) => state.at > pausedAt && (state.to === 'degraded' || state.to === 'down'),
    );
    const noticedAfterMs = Math.round((firstBadState?.at ?? Number.NaN) - pausedAt);
    expect(connection.isHealthy()).toBe(false);
    expect(connection.health().lastError).toBeDefined();
    const resumedAt = performance.now();
    await topology.resume(topology.node);
    await topology.waitFor(() => connection?.state === 'ready', {
      timeoutMs: 10_000,
      intervalMs: 10,
      message: 'state ready again',
    });
    const recoveredAfterMs = Math.round(performance.now() - resumedAt);
    console.log(JSON.stringify({ scenario: 'hung-server-idle', noticedAfterMs, recoveredAfterMs }));
    // One PING deadline (300 ms) plus at most one health-check interval (100 ms) and one sweep
    // (30 ms), with slack for a busy machine: seconds at worst, never minutes.
    expect(noticedAfterMs).toBeLessThanOrEqual(300 + 100 + 30 + 370);
  });

  it('moves to the new master at once on a Sentinel failover (+switch-master)', async () => {
    started = await startTopology('sentinel', {
      options: { commandTimeoutMs: 10_000, maxRetriesPerRequest: null },
    });
    const topology = started.topology as SentinelTopology;
    connection = createConnection(started.config);
    const failovers: Array<{ from?: { port: number }; to: { port: number } }> = [];
    let switchedAt: number | undefined;
    connection.on('failover', (event) => {
      switchedAt ??= performance.now();
      failovers.push({ to: event.to, ...(event.from === undefined ? {} : { from: event.from }) });
    });
    await connection.connect();
    const oldMaster = await topology.master();
    const load = new WriteLoad(connection.client, { writers: 20, prefix: 'switch' });
    load.start();
    await topology.waitFor(() => load.acknowledged.length > 500, { timeoutMs: 10_000 });

    const startedAt = performance.now();
    await topology.failover();
    const newMaster = await topology.master();
    await topology.waitFor(() => connection?.health().currentMaster?.port === newMaster.port, {
      timeoutMs: 10_000,
      intervalMs: 10,
      message: 'connection on the new master',
    });
    const movedAt = performance.now();
    const movedAfterMs = Math.round(movedAt - startedAt);
    const movedAfterSwitchMs = Math.round(movedAt - (switchedAt ?? Number.NaN));
    const acked = load.acknowledged.length;
    await topology.waitFor(() => load.acknowledged.length > acked + 500, { timeoutMs: 10_000 });
    const summary = await load.stop();
    const lost = await load.lostWrites();
    console.log(
      JSON.stringify({
        scenario: 'sentinel-manual-failover',
        movedAfterMs,
        movedAfterSwitchMs,
        ...summary,
        lost,
      }),
    );
    expect(failovers).toContainEqual({
      from: expect.objectContaining({ port: oldMaster.port }),
      to: expect.objectContaining({ port: newMaster.port }),
    });
    expect(summary.errors).toBe(0);
    // The connection follows +switch-master at once (a Sentinel failover itself may lose the
    // writes the old master acknowledged between the promotion and the announcement).
    expect(movedAfterSwitchMs).toBeLessThan(500);
  });

  it('writes an audit line per command and calls the metrics hook, never with values', async () => {
    started = await startTopology('standalone', { password: 'audit-password' });
    const lines: Array<{ message: string; details: Record<string, unknown> }> = [];
    const record = (details: Record<string, unknown>, message: string) =>
      lines.push({ message, details });
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const events: CommandMetricsEvent[] = [];
    connection = createConnection(started.config, {
      logger,
      audit: true,
      healthCheckIntervalMs: 0,
      metrics: { onCommand: (event) => events.push(event) },
    });
    await connection.client.set('audit:key', 'super-secret-value');
    await connection.client.lpush('audit:key', 'x').catch(() => {});
    const audit = lines.filter((line) => line.message === 'redis command');
    expect(audit.map((line) => line.details)).toEqual([
      expect.objectContaining({ command: 'SET', key: 'audit:key', outcome: 'success' }),
      expect.objectContaining({
        command: 'LPUSH',
        key: 'audit:key',
        outcome: 'reply-error',
        error: 'WRONGTYPE',
      }),
    ]);
    expect(events.map((event) => [event.command, event.outcome])).toEqual([
      ['SET', 'success'],
      ['LPUSH', 'reply-error'],
    ]);
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain('super-secret-value');
    expect(everything).not.toContain('audit-password');
  });

  it('spreads commands over a pool of connections; reports the memory per connection', async () => {
    started = await startTopology('standalone');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const measure = async (poolSize: number) => {
      gc();
      gc();
      const before = process.memoryUsage();
      const name = `pool-${poolSize}`;
      const config = structuredClone(started?.config) as RedisConfigInput;
      (config.options as Record<string, unknown>).connectionName = name;
      const local = createConnection(config, { poolSize, healthCheckIntervalMs: 0 });
      await local.connect();
      const lines = async () =>
        String(await local.client.client('LIST'))
          .split('\n')
          .filter((line) => line.includes(`name=${name} `));
      // The primary's last command is CLIENT LIST; the others' is a GET once they served one.
      const servedGets = async () => (await lines()).filter((line) => line.includes('cmd=get'));
      await started?.topology.waitFor(
        async () => {
          await Promise.all(Array.from({ length: 200 }, () => local.client.get('pool:key')));
          return (
            (await lines()).length === poolSize && (await servedGets()).length === poolSize - 1
          );
        },
        { timeoutMs: 5_000, message: `${poolSize} connections serving commands` },
      );
      gc();
      gc();
      const after = process.memoryUsage();
      return {
        local,
        heapBytes: after.heapUsed - before.heapUsed,
        rssBytes: after.rss - before.rss,
      };
    };
    const one = await measure(1);
    const many = await measure(51);
    const perConnection = {
      heapBytes: Math.round((many.heapBytes - one.heapBytes) / 50),
      rssBytes: Math.round((many.rssBytes - one.rssBytes) / 50),
    };
    console.log(JSON.stringify({ scenario: 'pool-memory-per-connection', ...perConnection }));
    await one.local.close();
    await many.local.close();
    expect(perConnection.heapBytes).toBeLessThan(1_000_000);
  });
});
