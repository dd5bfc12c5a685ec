import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { observeRedGrid, type RedGridMetrics } from './observe-redgrid.js';
import { parseExposition, sampleValue } from './test-support/exposition.js';

// Real connections against real redis-server processes, with the configuration users get from
// the environment alone. The same file runs on ioredis 6.1 (`pnpm test`) and on ioredis 5.4
// (`pnpm --filter @redgrid/observability test:ioredis5`): ioredis 6.1 adds the per-node wire
// view of its tracing channels, older versions publish nothing there.

// ioredis 6.1 builds its trace contexts with this method; 5.x and 6.0 have no tracing channels.
const ioredisTraces = '_buildCommandContext' in Redis.prototype;

let redis: StandaloneTopology | undefined;
const connections: RedisConnection[] = [];
const exporters: RedGridMetrics[] = [];

afterEach(async () => {
  for (const metrics of exporters.splice(0)) metrics.close();
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  await redis?.stop();
  redis = undefined;
});

async function observe(options: Parameters<typeof observeRedGrid>[0] = {}) {
  const registry = new Registry();
  const metrics = await observeRedGrid({ registry, ioredisTracing: true, ...options });
  exporters.push(metrics);
  return { metrics, text: () => registry.metrics() };
}

function connect(topology: StandaloneTopology, name?: string): RedisConnection {
  const connection = createConnection(
    loadConfigFromEnv(topology.env()),
    name === undefined ? {} : { name },
  );
  connections.push(connection);
  return connection;
}

describe(`observeRedGrid() with a real connection (ioredis ${ioredisTraces ? '>= 6.1' : '< 6.1'})`, () => {
  it('counts its commands, errors and state, never a key or value', async () => {
    redis = await startStandalone();
    const { text } = await observe();
    const connection = connect(redis, 'observed');
    await connection.connect();
    const client = connection.client as Redis;
    await client.set('obs:secret-key', 'secret-value');
    expect(await client.get('obs:secret-key')).toBe('secret-value');
    await expect(client.hget('obs:secret-key', 'field')).rejects.toThrow(/WRONGTYPE/);
    await client.multi().incr('obs:counter').expire('obs:counter', 60).exec();

    const body = await text();
    const command = (name: string, outcome: string) =>
      sampleValue(body, 'redgrid_commands_total', {
        connection: 'observed',
        command: name,
        outcome,
      });
    expect(command('SET', 'success')).toBe(1);
    expect(command('GET', 'success')).toBe(1);
    expect(command('HGET', 'reply-error')).toBe(1);
    expect(
      sampleValue(body, 'redgrid_command_errors_total', {
        connection: 'observed',
        code: 'WRONGTYPE',
      }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_command_duration_seconds_count', {
        connection: 'observed',
        command: 'GET',
      }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_connection_state', { connection: 'observed', state: 'ready' }),
    ).toBe(1);
    expect(sampleValue(body, 'redgrid_connection_up', { connection: 'observed' })).toBe(1);
    expect(body).not.toContain('secret');

    const node = `127.0.0.1:${redis.port}`;
    const wire = parseExposition(body).filter((sample) => sample.name.startsWith('redgrid_node_'));
    if (ioredisTraces) {
      const nodeCommand = (name: string, outcome: string) =>
        sampleValue(body, 'redgrid_node_commands_total', { node, command: name, outcome });
      expect(nodeCommand('SET', 'success')).toBe(1);
      expect(nodeCommand('HGET', 'reply-error')).toBe(1);
      expect(
        sampleValue(body, 'redgrid_node_transactions_total', { node, outcome: 'success' }),
      ).toBe(1);
      expect(
        sampleValue(body, 'redgrid_node_connects_total', { node, outcome: 'success' }),
      ).toBeGreaterThanOrEqual(1);
    } else {
      expect(wire).toEqual([]);
    }
  });

  it('reads the live figures of the connections it is given', async () => {
    redis = await startStandalone();
    const connection = connect(redis);
    await connection.connect();
    await connection.checkHealth();
    // The connection is already ready: its state comes from `connections`, not from an event.
    const { text } = await observe({ connections: { redis: connection } });
    const body = await text();
    expect(
      sampleValue(body, 'redgrid_connection_state', { connection: 'redis', state: 'ready' }),
    ).toBe(1);
    expect(sampleValue(body, 'redgrid_connection_nodes', { connection: 'redis' })).toBe(1);
    expect(
      sampleValue(body, 'redgrid_connection_commands_in_flight', { connection: 'redis' }),
    ).toBe(0);
    expect(
      sampleValue(body, 'redgrid_connection_healthcheck_latency_seconds', { connection: 'redis' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(body, 'redgrid_breaker_state', { name: connection.breaker.name ?? 'redis' }),
    ).toBe(0);
  });

  it('shows the breaker opening when the server stops, and the commands it rejects', async () => {
    redis = await startStandalone();
    const { text } = await observe();
    const connection = connect(redis); // defaults: everything from the environment
    await connection.connect();
    const breaker = connection.breaker.name ?? 'redis';
    const client = connection.client as Redis;
    const burst = () =>
      Promise.allSettled(Array.from({ length: 50 }, (_, index) => client.get(`obs:${index}`)));
    await burst();

    const topology = redis;
    await topology.kill(topology.node);
    await topology.waitFor(
      async () => {
        await burst();
        return sampleValue(await text(), 'redgrid_breaker_state', { name: breaker }) === 2;
      },
      { timeoutMs: 60_000, intervalMs: 10, message: 'redgrid_breaker_state 2 (open)' },
    );
    await burst(); // refused at once by the open breaker

    const body = await text();
    const opened = parseExposition(body).filter(
      (sample) =>
        sample.name === 'redgrid_breaker_transitions_total' &&
        sample.labels.name === breaker &&
        sample.labels.to === 'open',
    );
    expect(opened.reduce((sum, sample) => sum + sample.value, 0)).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(body, 'redgrid_commands_total', {
        connection: 'redis',
        command: 'GET',
        outcome: 'rejected',
      }),
    ).toBeGreaterThanOrEqual(50);
    expect(
      sampleValue(body, 'redgrid_command_errors_total', {
        connection: 'redis',
        code: 'ERR_CIRCUIT_OPEN',
      }),
    ).toBeGreaterThanOrEqual(50);
    expect(sampleValue(body, 'redgrid_connection_up', { connection: 'redis' })).toBe(0);
  });
});
