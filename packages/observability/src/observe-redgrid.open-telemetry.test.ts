import { tracingChannel } from 'node:diagnostics_channel';
import { metrics as openTelemetryMetrics } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { publish } from '@redgrid/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { metricCatalog } from './catalog/metric-catalog.js';
import { observeRedGrid, type RedGridMetrics } from './observe-redgrid.js';
import { sampleValue } from './test-support/exposition.js';

// OpenTelemetry through the SDK's own MeterProvider and a reader collected on demand: the
// instruments RedGrid creates on a real `Meter`, read back as an exporter would see them.

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const open: RedGridMetrics[] = [];
const providers: MeterProvider[] = [];

afterEach(async () => {
  for (const metrics of open.splice(0)) metrics.close();
  for (const provider of providers.splice(0)) await provider.shutdown();
  openTelemetryMetrics.disable();
});

function sdk() {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  providers.push(provider);
  const collect = async (): Promise<MetricData[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  return { provider, collect };
}

function points(all: MetricData[], name: string): Array<DataPoint<unknown>> {
  return all
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as Array<DataPoint<unknown>>);
}

function pointWith(
  all: MetricData[],
  name: string,
  attributes: Record<string, string>,
): DataPoint<unknown> | undefined {
  return points(all, name).find(
    (point) => JSON.stringify(point.attributes) === JSON.stringify(attributes),
  );
}

describe('observeRedGrid({ meter })', () => {
  it('records counters, histograms and gauges under the Prometheus names', async () => {
    const { provider, collect } = sdk();
    // A real SDK Meter is accepted as is (the public type is structural).
    const metrics = await observeRedGrid({ meter: provider.getMeter('app'), ioredisTracing: true });
    open.push(metrics);
    expect(metrics.registry).toBeUndefined();
    publish('redgrid:command', {
      connection: 'main',
      command: 'GET',
      outcome: 'success',
      durationMs: 0.4,
    });
    publish('redgrid:command', {
      connection: 'main',
      command: 'GET',
      outcome: 'success',
      durationMs: 3,
    });
    publish('redgrid:breaker', { name: 'main', from: 'closed', to: 'open', reason: 'manual' });
    publish('redgrid:memory', {
      connection: 'main',
      node: 'n:1',
      usedBytes: 900,
      maxBytes: 1000,
      ratio: 0.9,
      evictedKeys: 3,
      fragmentationRatio: 1.1,
      warning: true,
    });
    await tracingChannel('ioredis:command').tracePromise(async () => 'OK', {
      command: 'set',
      args: ['k', '?'],
      database: 0,
      serverAddress: '10.0.0.1',
      serverPort: 6379,
    });

    const all = await collect();
    const commandLabels = { connection: 'main', command: 'GET' };
    expect(
      pointWith(all, 'redgrid_commands_total', { ...commandLabels, outcome: 'success' })?.value,
    ).toBe(2);
    const histogram = pointWith(all, 'redgrid_command_duration_seconds', commandLabels)?.value as
      | Histogram
      | undefined;
    expect(histogram?.count).toBe(2);
    expect(histogram?.buckets.boundaries).toEqual(metricCatalog.commandDuration.buckets);
    expect(histogram?.buckets.counts[1]).toBe(1); // 0.4 ms <= 0.5 ms
    expect(pointWith(all, 'redgrid_breaker_state', { name: 'main' })?.value).toBe(2);
    expect(
      pointWith(all, 'redgrid_breaker_transitions_total', {
        name: 'main',
        to: 'open',
        reason: 'manual',
      })?.value,
    ).toBe(1);
    expect(pointWith(all, 'redgrid_memory_ratio', { connection: 'main', node: 'n:1' })?.value).toBe(
      0.9,
    );
    expect(
      pointWith(all, 'redgrid_node_commands_total', {
        node: '10.0.0.1:6379',
        command: 'SET',
        outcome: 'success',
      })?.value,
    ).toBe(1);
    const descriptor = all.find(
      (metric) => metric.descriptor.name === 'redgrid_command_duration_seconds',
    )?.descriptor;
    expect(descriptor?.unit).toBe('s');
    expect(descriptor?.description).toBe(metricCatalog.commandDuration.help);
  });

  it('uses the global meter "redgrid" with openTelemetry: true', async () => {
    const { provider, collect } = sdk();
    openTelemetryMetrics.setGlobalMeterProvider(provider);
    const metrics = await observeRedGrid({ openTelemetry: true });
    open.push(metrics);
    publish('redgrid:cache', { cache: 'users', result: 'l1' });
    const { resourceMetrics } = await (async () => {
      const all = await collect();
      return { resourceMetrics: all };
    })();
    expect(
      pointWith(resourceMetrics, 'redgrid_cache_reads_total', { cache: 'users', result: 'l1' })
        ?.value,
    ).toBe(1);
  });

  it('exports the same figures to Prometheus and OpenTelemetry at once', async () => {
    const { provider, collect } = sdk();
    const registry = new Registry();
    const metrics = await observeRedGrid({ registry, meter: provider.getMeter('app') });
    open.push(metrics);
    for (let index = 0; index < 3; index++) {
      publish('redgrid:rate-limit', {
        limiter: 'api',
        algorithm: 'gcra',
        allowed: index < 2,
        decidedBy: 'redis',
      });
    }
    const labels = { limiter: 'api', algorithm: 'gcra', allowed: 'true', decided_by: 'redis' };
    expect(sampleValue(await registry.metrics(), 'redgrid_rate_limit_checks_total', labels)).toBe(
      2,
    );
    expect(pointWith(await collect(), 'redgrid_rate_limit_checks_total', labels)?.value).toBe(2);
  });

  it('records nothing after close()', async () => {
    const { provider, collect } = sdk();
    const metrics = await observeRedGrid({ meter: provider.getMeter('app') });
    publish('redgrid:degradation', { component: 'cache', name: 'users', event: 'degraded' });
    const labels = { component: 'cache', name: 'users' };
    let all = await collect();
    expect(pointWith(all, 'redgrid_degraded', labels)?.value).toBe(1);
    expect(pointWith(all, 'redgrid_outages_total', labels)?.value).toBe(1);
    metrics.close();
    // Instruments outlive close() (a meter cannot drop them), but nothing changes them any more.
    publish('redgrid:degradation', { component: 'cache', name: 'users', event: 'recovered' });
    all = await collect();
    expect(pointWith(all, 'redgrid_degraded', labels)?.value).toBe(1);
    publish('redgrid:degradation', { component: 'cache', name: 'users', event: 'degraded' });
    all = await collect();
    expect(pointWith(all, 'redgrid_outages_total', labels)?.value).toBe(1);
  });
});
