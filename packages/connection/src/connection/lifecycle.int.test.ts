import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConnectionClosedError, loadConfigFromEnv, type RedisConfigInput } from '@redgrid/core';
import type { SentinelTopology, StandaloneTopology } from '@redgrid/redis-harness';
import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
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

/** Events a connection listens to on its ioredis client (see watchClient). */
const watchedEvents = [
  'connecting',
  'connect',
  'close',
  'reconnecting',
  'end',
  'ready',
  'error',
  '+node',
  '-node',
  'node error',
  'refresh',
  'sentinelError',
];

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
    'close() drains, then leaves no socket or timer behind and removes its listeners (%s)',
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
      await local.close({ timeoutMs: 10_000 });
      // Replies already requested were drained by QUIT.
      expect((await pending).length).toBe(100);
      // The dedicated connection was closed with its parent.
      expect(ConnectionClosedError.isInstance(await blocked)).toBe(true);
      if (kind === 'cluster') {
        // A cluster closed while still connecting stays `disconnecting` (ioredis), with no node.
        expect((blocking as unknown as { nodes(): unknown[] }).nodes()).toEqual([]);
      } else {
        expect(blocking.status).toBe('end');
      }
      expect(local.state).toBe('closed');
      await expect(local.client.get('{close}:key')).rejects.toSatisfy(
        ConnectionClosedError.isInstance,
      );
      // Every listener the connection added is gone: no more than a fresh ioredis client has.
      const plain =
        kind === 'cluster'
          ? new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true })
          : new Redis({ lazyConnect: true });
      for (const event of watchedEvents) {
        expect({ event, count: local.client.listenerCount(event) }).toEqual({
          event,
          count: plain.listenerCount(event),
        });
      }
      plain.disconnect();
      expect(listenersBefore).toBeGreaterThan(plain.listenerCount('ready'));
      await started.topology.waitFor(
        () => {
          const after = resources();
          return (
            sockets() <= (before.TCPSocketWrap ?? 0) + (before.TCPWRAP ?? 0) &&
            (after.Timeout ?? 0) <= (before.Timeout ?? 0)
          );
        },
        { timeoutMs: 30_000, intervalMs: 20, message: 'sockets and timers released' },
      );
      await local.close(); // idempotent
    },
  );

  it('closes on `await using` (Symbol.asyncDispose) as close() does, releasing its sockets', async () => {
    started = await startTopology('standalone');
    const before = resources();
    let disposed: RedisConnection | undefined;
    {
      await using scoped = createConnection(started.config, { healthCheckIntervalMs: 50 });
      disposed = scoped;
      await scoped.client.set('dispose:key', 'value');
      expect(scoped.state).toBe('ready');
    }
    expect(disposed.state).toBe('closed');
    await expect(disposed.client.get('dispose:key')).rejects.toSatisfy(
      ConnectionClosedError.isInstance,
    );
    await started.topology.waitFor(
      () => sockets() <= (before.TCPSocketWrap ?? 0) + (before.TCPWRAP ?? 0),
      { timeoutMs: 30_000, intervalMs: 20, message: 'sockets released' },
    );
    await disposed[Symbol.asyncDispose](); // idempotent, like close()
  });

  it('notices a hung server (SIGSTOP) through the deadline and PING, and recovers on resume', async () => {
    started = await startTopology('standalone');
    const topology = started.topology as StandaloneTopology;
    connection = createConnection(loadConfigFromEnv(topology.env()));
    const states: Array<{ to: ConnectionState; reason: string; at: number }> = [];
    connection.on('state', ({ to, reason }) => states.push({ to, reason, at: performance.now() }));
    await connection.connect();
    await connection.checkHealth();
    expect(connection.state).toBe('ready');

    const pausedAt = performance.now();
    await topology.pause(topology.node);
    // No command is sent: only the health check's PING can notice (it has the deadline too).
    await topology.waitFor(() => connection?.state !== 'ready', {
      timeoutMs: 60_000,
      intervalMs: 10,
      message: 'the hung server noticed',
    });
    const firstBadState = states.find((state) => state.at > pausedAt);
    const noticedAfterMs = Math.round((firstBadState?.at ?? Number.NaN) - pausedAt);
    expect(connection.isHealthy()).toBe(false);
    expect(firstBadState).toMatchObject({ to: 'degraded', reason: 'health check failed' });
    expect(connection.health().lastError?.message).toMatch(
      /^health check: Redis command PING got no reply within 5000 ms/,
    );
    const resumedAt = performance.now();
    await topology.resume(topology.node);
    await topology.waitFor(() => connection?.state === 'ready', {
      timeoutMs: 60_000,
      intervalMs: 10,
      message: 'state ready again',
    });
    const recoveredAfterMs = Math.round(performance.now() - resumedAt);
    console.log(JSON.stringify({ scenario: 'hung-server-idle', noticedAfterMs, recoveredAfterMs }));
    await expect(connection.client.ping()).resolves.toBe('PONG');
  });

  it('moves to the new master at once on a Sentinel failover (+switch-master)', async () => {
    started = await startTopology('sentinel');
    const topology = started.topology as SentinelTopology;
    connection = createConnection(loadConfigFromEnv(topology.env()));
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
    await topology.waitFor(() => load.acknowledged.length > 500, { timeoutMs: 30_000 });

    const startedAt = performance.now();
    await topology.failover();
    const newMaster = await topology.master();
    await topology.waitFor(() => connection?.health().currentMaster?.port === newMaster.port, {
      timeoutMs: 30_000,
      intervalMs: 10,
      message: 'connection on the new master',
    });
    const movedAt = performance.now();
    const movedAfterMs = Math.round(movedAt - startedAt);
    const movedAfterSwitchMs = Math.round(movedAt - (switchedAt ?? Number.NaN));
    const acked = load.acknowledged.length;
    await topology.waitFor(() => load.acknowledged.length > acked + 500, { timeoutMs: 30_000 });
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
    expect(lost).toBe(0);
    // It moved on the announcement: writes were held from +try-failover to +switch-master, so
    // the old master, once demoted, never had to refuse one (READONLY).
    const oldInfo = await started.raw(oldMaster).info('errorstats');
    expect(oldInfo).not.toContain('errorstat_READONLY');
  });

  it('calls the metrics hook once per command, never with values', async () => {
    started = await startTopology('standalone');
    const events: CommandMetricsEvent[] = [];
    connection = createConnection(loadConfigFromEnv(started.topology.env()), {
      metrics: { onCommand: (event) => events.push(event) },
    });
    await connection.client.set('metrics:key', 'super-secret-value');
    await connection.client.lpush('metrics:key', 'x').catch(() => {});
    const mine = events.filter((event) => event.command === 'SET' || event.command === 'LPUSH');
    expect(mine.map((event) => [event.command, event.outcome])).toEqual([
      ['SET', 'success'],
      ['LPUSH', 'reply-error'],
    ]);
    expect(JSON.stringify(events)).not.toContain('super-secret-value');
  });

  it('spreads commands over a pool of connections; reports the memory per connection', async () => {
    started = await startTopology('standalone');
    const opened: RedisConnection[] = [];
    onTestFinished(async () => {
      await Promise.all(opened.map((local) => local.close()));
    });
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const measure = async (poolSize: number) => {
      gc();
      gc();
      const before = process.memoryUsage();
      const name = `pool-${poolSize}`;
      const config = structuredClone(started?.config) as RedisConfigInput;
      (config.options as Record<string, unknown>).connectionName = name;
      // The pool spreads commands sent one by one; auto-pipelined batches stay on one socket.
      (config.options as Record<string, unknown>).autoPipelining = false;
      const local = createConnection(config, { poolSize, healthCheckIntervalMs: 0 });
      opened.push(local);
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
        { timeoutMs: 30_000, message: `${poolSize} connections serving commands` },
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
    expect(perConnection.heapBytes).toBeLessThan(1_000_000);
  });
});
