import { tracingChannel } from 'node:diagnostics_channel';
import { ConfigError, redgridChannelNames } from '@redgrid/core';
import { Registry, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { redgridMetrics } from './catalog/metric-catalog.js';
import type { ObservedConnection } from './connections/observe-connections.js';
import { observeRedGrid } from './observe-redgrid.js';
import { anySubscribed, exporters } from './test-support/exporters.js';
import { declaredMetrics, sampleValue } from './test-support/exposition.js';

// Subscribing and closing, registries, options and the `connections` option. What each channel
// records is in observe-redgrid.channels.test.ts.

const { observe, open } = exporters();

describe('observeRedGrid() subscriptions', () => {
  it('subscribes to nothing before it is called and to nothing after close()', async () => {
    expect(anySubscribed()).toEqual([]);
    const { metrics, registry } = await observe();
    expect(
      anySubscribed()
        .filter((name) => name.startsWith('redgrid:'))
        .sort(),
    ).toEqual([...redgridChannelNames].sort());
    expect(anySubscribed()).toContain('tracing:ioredis:command:start'); // ioredisTracing: true
    metrics.close();
    metrics.close(); // idempotent
    expect(anySubscribed()).toEqual([]);
    expect(declaredMetrics(await registry.metrics())).toEqual([]);
  });

  it('declares every metric of the catalog, and the same set for every registry', async () => {
    const { text } = await observe();
    expect(declaredMetrics(await text()).sort()).toEqual(
      redgridMetrics.map((definition) => definition.name).sort(),
    );
  });

  it('leaves the ioredis tracing channels alone by default, and still declares their metrics', async () => {
    const registry = new Registry();
    const metrics = await observeRedGrid({ registry }); // the default
    open.push(metrics);
    const text = () => registry.metrics();
    expect(anySubscribed().filter((name) => name.startsWith('tracing:'))).toEqual([]);
    await tracingChannel('ioredis:command').tracePromise(async () => 'OK', {
      command: 'get',
      args: ['k'],
      database: 0,
      serverAddress: '10.0.0.1',
      serverPort: 6379,
    });
    const body = await text();
    expect(declaredMetrics(body)).toContain('redgrid_node_commands_total');
    expect(body).not.toMatch(/^redgrid_node_/m);
  });

  it('works with using-style disposal', async () => {
    const { metrics } = await observe();
    metrics[Symbol.dispose]();
    expect(anySubscribed()).toEqual([]);
    const again = await observe();
    await again.metrics[Symbol.asyncDispose]();
    expect(anySubscribed()).toEqual([]);
  });
});

describe('observeRedGrid() registries and options', () => {
  it("registers in prom-client's default register by default, and removes itself on close", async () => {
    const metrics = await observeRedGrid();
    open.push(metrics);
    expect(metrics.registry).toBe(register);
    expect(register.getSingleMetric('redgrid_commands_total')).toBeDefined();
    metrics.close();
    expect(register.getSingleMetric('redgrid_commands_total')).toBeUndefined();
  });

  it("creates a registry of RedGrid's metrics alone with registry: 'new'", async () => {
    const metrics = await observeRedGrid({ registry: 'new' });
    open.push(metrics);
    expect(metrics.registry).not.toBe(register);
    expect(await metrics.registry?.metrics()).toContain('# TYPE redgrid_commands_total counter');
  });

  it('refuses a registry another exporter uses, and accepts it once that one is closed', async () => {
    const { metrics, registry } = await observe();
    const error = await observeRedGrid({ registry }).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/registry: already holds redgrid_/);
    metrics.close();
    open.push(await observeRedGrid({ registry }));
  });

  it("keeps the application's own metrics in a shared registry", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({});
    const { Counter } = await import('prom-client');
    new Counter({ name: 'app_requests_total', help: 'requests', registers: [registry] });
    const metrics = await observeRedGrid({ registry });
    metrics.close();
    expect(declaredMetrics(await registry.metrics())).toEqual(['app_requests_total']);
  });

  it('adds and removes the Node.js default metrics with collectDefaultMetrics', async () => {
    const { registry, metrics } = await observe({ collectDefaultMetrics: true });
    expect(declaredMetrics(await registry.metrics())).toContain('process_cpu_user_seconds_total');
    metrics.close();
    expect(declaredMetrics(await registry.metrics())).toEqual([]);
  });

  it('rejects contradictory options with a ConfigError naming each', async () => {
    const error = await observeRedGrid({
      prometheus: false,
      registry: new Registry(),
      openTelemetry: false,
      maxLabelValues: 0,
    }).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues.map((issue) => issue.variable)).toEqual([
      'registry',
      'prometheus',
      'maxLabelValues',
    ]);
    expect(anySubscribed()).toEqual([]);
  });
});

describe('observeRedGrid({ connections })', () => {
  it('sets state gauges at once and reads live figures at collection time', async () => {
    let inFlight = 3;
    const connection: ObservedConnection = {
      breaker: { name: 'main-breaker' },
      health: () => ({
        state: 'ready',
        nodeCount: 6,
        inFlight,
        offlineQueueDepth: 0,
        latencyMs: 2,
        breaker: { state: 'closed', failureRate: 0.25 },
      }),
    };
    const failing: ObservedConnection = {
      health: () => {
        throw new Error('health is broken');
      },
    };
    const { text, metrics } = await observe({ connections: { main: connection, broken: failing } });
    let body = await text();
    expect(
      sampleValue(body, 'redgrid_connection_state', { connection: 'main', state: 'ready' }),
    ).toBe(1);
    expect(sampleValue(body, 'redgrid_connection_up', { connection: 'main' })).toBe(1);
    expect(sampleValue(body, 'redgrid_breaker_state', { name: 'main-breaker' })).toBe(0);
    expect(sampleValue(body, 'redgrid_breaker_failure_ratio', { name: 'main-breaker' })).toBe(0.25);
    expect(sampleValue(body, 'redgrid_connection_nodes', { connection: 'main' })).toBe(6);
    expect(
      sampleValue(body, 'redgrid_connection_healthcheck_latency_seconds', { connection: 'main' }),
    ).toBe(0.002);
    expect(sampleValue(body, 'redgrid_connection_commands_in_flight', { connection: 'main' })).toBe(
      3,
    );
    inFlight = 5;
    body = await text();
    expect(sampleValue(body, 'redgrid_connection_commands_in_flight', { connection: 'main' })).toBe(
      5,
    );
    expect(sampleValue(body, 'redgrid_connection_nodes', { connection: 'broken' })).toBeUndefined();
    expect(metrics.errors).toBeGreaterThan(0);
    expect(
      sampleValue(body, 'redgrid_observability_errors_total', { channel: 'connections' }),
    ).toBeGreaterThan(0);
  });
});
