import type * as OpenTelemetryApi from '@opentelemetry/api';
import { ConfigError, type ConfigIssue } from '@redgrid/core';
import type { Registry } from 'prom-client';
import { redgridMetrics } from './catalog/metric-catalog.js';
import { type ObservedConnection, observeConnections } from './connections/observe-connections.js';
import type { MetricExporter } from './exporters/metric-exporter.js';
import { OpenTelemetryExporter } from './exporters/open-telemetry-exporter.js';
import type { OpenTelemetryMeter } from './exporters/open-telemetry-meter.js';
import { type PromClient, PrometheusExporter } from './exporters/prometheus-exporter.js';
import { loadPeer } from './peers/load-peer.js';
import { MetricStore } from './store/metric-store.js';
import { ChannelSubscriptions } from './subscriptions/channel-subscriptions.js';
import { subscribeIoredisTracing } from './subscriptions/subscribe-ioredis-tracing.js';
import { subscribeRedGridChannels } from './subscriptions/subscribe-redgrid-channels.js';

/**
 * The part of a prom-client `Registry` RedGrid uses, so that public types do not depend on
 * prom-client being installed. A prom-client `Registry` (including the default `register`) fits.
 */
export interface PrometheusRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

/** Options of {@link observeRedGrid}. Every field is optional. */
export interface ObserveRedGridOptions {
  /**
   * Where the Prometheus metrics go (prom-client, an optional peer dependency): your registry,
   * or `'new'` for a registry holding RedGrid's metrics alone (`metrics.registry`). Default:
   * prom-client's default `register`.
   */
  registry?: PrometheusRegistry | 'new';
  /**
   * Export to Prometheus. Default true, unless only OpenTelemetry is asked for (`meter` or
   * `openTelemetry: true` without `registry`).
   */
  prometheus?: boolean;
  /**
   * The OpenTelemetry meter to create the instruments on. Default, with `openTelemetry: true`:
   * `metrics.getMeter('redgrid')` of `@opentelemetry/api` (an optional peer dependency).
   */
  meter?: OpenTelemetryMeter;
  /** Export to OpenTelemetry. Default true when `meter` is given, false otherwise. */
  openTelemetry?: boolean;
  /**
   * Connections whose live figures (commands in flight, offline queue, nodes, health-check
   * latency, breaker failure ratio) are read when metrics are collected, by the name they were
   * created with (`ConnectionOptions.name`, default `'redis'`). Their state gauges are also set
   * at once instead of at their next state change.
   */
  connections?: Readonly<Record<string, ObservedConnection>>;
  /**
   * Also record the per-node wire view of ioredis 6.1's tracing channels (`redgrid_node_*`:
   * what was written to which node, from every ioredis client in the process). Default false:
   * while anybody subscribes to `tracing:ioredis:command`, ioredis wraps every command in a
   * traced promise (about 0.92x throughput on a saturated GET/SET loop, see the README's Cost
   * section; already paid if an OpenTelemetry ioredis instrumentation subscribes). Nothing arrives there
   * on ioredis 5 and 6.0. The metrics are declared either way.
   */
  ioredisTracing?: boolean;
  /**
   * Distinct values a label may take before further ones are recorded as `other` (counted in
   * `redgrid_observability_label_overflow_total`). A safety net against a publisher putting
   * something unbounded in a label. Default 500.
   */
  maxLabelValues?: number;
  /**
   * Also register prom-client's default Node.js process metrics in the registry. Default false
   * (your application may already do it).
   */
  collectDefaultMetrics?: boolean;
  /**
   * Called with each error caught in a subscriber (a malformed message, an exporter error) and
   * the channel it came from. Errors are also counted in `redgrid_observability_errors_total`;
   * they never reach the component that published. A throwing `onError` is ignored.
   */
  onError?: (error: unknown, channel: string) => void;
}

/** What {@link observeRedGrid} returns: the running exporter. */
export interface RedGridMetrics {
  /** The Prometheus registry the metrics are in (undefined without Prometheus). */
  readonly registry: PrometheusRegistry | undefined;
  /** The OpenTelemetry meter the instruments are on (undefined without OpenTelemetry). */
  readonly meter: OpenTelemetryMeter | undefined;
  /** Messages that could not be recorded so far (see `onError`). */
  readonly errors: number;
  /**
   * Unsubscribes from every channel and removes RedGrid's metrics from the registry (OpenTelemetry
   * instruments cannot be removed from a meter; they stop receiving values). Idempotent.
   */
  close(): void;
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}

const defaultMaxLabelValues = 500;

/**
 * Turns what every RedGrid component publishes on the `redgrid:*` diagnostics channels (and
 * what ioredis 6.1 publishes on its tracing channels) into Prometheus metrics, OpenTelemetry
 * metrics, or both, under one set of names (see the README's table). Nothing subscribes before
 * this is called, so components pay nothing for metrics nobody reads; `close()` unsubscribes.
 * Loading the optional peer dependencies is why it is async: it rejects with
 * `MissingPeerDependencyError` when prom-client (or `@opentelemetry/api`, for the global meter)
 * is missing, and with `ConfigError` for contradictory options or a registry that already holds
 * RedGrid's metrics (close the other exporter first).
 *
 * Gotcha: gauges set by events (connection and breaker state) appear at the next change of
 * state; pass `connections` to have them at once.
 *
 * @example
 * import { register } from 'prom-client';
 * const metrics = await observeRedGrid({ registry: register, connections: { redis: connection } });
 * // ... serve `await register.metrics()` on /metrics; on shutdown:
 * metrics.close();
 */
export async function observeRedGrid(options: ObserveRedGridOptions = {}): Promise<RedGridMetrics> {
  const settings = validate(options);
  const exporters: MetricExporter[] = [];
  let registry: PrometheusRegistry | undefined;
  let meter: OpenTelemetryMeter | undefined;
  let client: PromClient | undefined;
  if (settings.prometheus) {
    client = await loadPeer<PromClient>(
      { packageName: 'prom-client', feature: 'observeRedGrid() for Prometheus' },
      () => import('prom-client'),
      (candidate) => typeof candidate.Registry === 'function',
    );
    const target: PrometheusRegistry =
      options.registry === 'new' ? new client.Registry() : (options.registry ?? client.register);
    refuseTakenRegistry(target);
    exporters.push(new PrometheusExporter(client, target as unknown as Registry));
    registry = target;
  }
  if (settings.openTelemetry) {
    meter = options.meter ?? (await globalMeter());
    exporters.push(new OpenTelemetryExporter(meter));
  }

  let errors = 0;
  const store = new MetricStore(exporters, { maxLabelValues: settings.maxLabelValues });
  const report = (channel: string, error: unknown) => {
    errors++;
    try {
      store.countError(channel);
    } finally {
      try {
        options.onError?.(error, channel);
      } catch {
        // The user's handler failed: ignored, as documented.
      }
    }
  };
  const subscriptions = new ChannelSubscriptions(report);
  const defaultMetricNames: string[] = [];
  const close = () => {
    subscriptions.close();
    store.close();
    for (const name of defaultMetricNames.splice(0)) registry?.removeSingleMetric(name);
  };
  try {
    // Every metric is declared, whatever arrives: the same names on every exporter and version.
    store.declareAll();
    subscribeRedGridChannels(subscriptions, store);
    if (settings.ioredisTracing) subscribeIoredisTracing(subscriptions, store);
    observeConnections(store, options.connections ?? {}, (error) => report('connections', error));
    if (options.collectDefaultMetrics === true && client !== undefined && registry !== undefined) {
      defaultMetricNames.push(...collectDefaultMetrics(client, registry as unknown as Registry));
    }
  } catch (error) {
    close();
    throw error;
  }

  let closed = false;
  const metrics: RedGridMetrics = {
    registry,
    meter,
    get errors() {
      return errors;
    },
    close() {
      if (closed) return;
      closed = true;
      close();
    },
    [Symbol.dispose]() {
      metrics.close();
    },
    async [Symbol.asyncDispose]() {
      metrics.close();
    },
  };
  return metrics;
}

interface Settings {
  prometheus: boolean;
  openTelemetry: boolean;
  ioredisTracing: boolean;
  maxLabelValues: number;
}

function validate(options: ObserveRedGridOptions): Settings {
  const issues: ConfigIssue[] = [];
  const openTelemetry = options.openTelemetry ?? options.meter !== undefined;
  const prometheus = options.prometheus ?? (options.registry !== undefined || !openTelemetry);
  if (!prometheus && options.registry !== undefined) {
    issues.push({ variable: 'registry', message: 'is set while prometheus is false; drop one' });
  }
  if (!openTelemetry && options.meter !== undefined) {
    issues.push({ variable: 'meter', message: 'is set while openTelemetry is false; drop one' });
  }
  if (!prometheus && !openTelemetry) {
    issues.push({
      variable: 'prometheus',
      message: 'and openTelemetry are both false: nothing to export; enable at least one',
    });
  }
  const maxLabelValues = options.maxLabelValues ?? defaultMaxLabelValues;
  if (!Number.isInteger(maxLabelValues) || maxLabelValues < 1) {
    issues.push({
      variable: 'maxLabelValues',
      message: `must be an integer >= 1, got ${String(options.maxLabelValues)}`,
    });
  }
  if (options.collectDefaultMetrics === true && !prometheus) {
    issues.push({
      variable: 'collectDefaultMetrics',
      message: 'needs Prometheus (prom-client); leave it off with OpenTelemetry alone',
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    prometheus,
    openTelemetry,
    ioredisTracing: options.ioredisTracing ?? false,
    maxLabelValues,
  };
}

function refuseTakenRegistry(registry: PrometheusRegistry): void {
  const taken = redgridMetrics.find(
    (definition) => registry.getSingleMetric(definition.name) !== undefined,
  );
  if (taken !== undefined) {
    throw new ConfigError([
      {
        variable: 'registry',
        message: `already holds ${taken.name}: another observeRedGrid() (or metricsHandler) exports into it; close() it first, or pass another registry`,
      },
    ]);
  }
}

async function globalMeter(): Promise<OpenTelemetryMeter> {
  const api = await loadPeer<typeof OpenTelemetryApi>(
    { packageName: '@opentelemetry/api', feature: 'observeRedGrid({ openTelemetry: true })' },
    () => import('@opentelemetry/api'),
    (candidate) => typeof candidate.metrics?.getMeter === 'function',
  );
  return api.metrics.getMeter('redgrid');
}

/** Registers prom-client's default metrics; returns their names, to remove them on close. */
function collectDefaultMetrics(client: PromClient, registry: Registry): string[] {
  const before = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
  const added = () =>
    registry
      .getMetricsAsArray()
      .map((metric) => metric.name)
      .filter((name) => !before.has(name));
  try {
    client.collectDefaultMetrics({ register: registry });
  } catch (error) {
    for (const name of added()) registry.removeSingleMetric(name);
    throw new ConfigError(
      [
        {
          variable: 'collectDefaultMetrics',
          message:
            'the registry already holds Node.js default metrics (collectDefaultMetrics was called on it); leave this option off',
        },
      ],
      { cause: error },
    );
  }
  return added();
}
