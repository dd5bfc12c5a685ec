import type * as PromClientModule from 'prom-client';
import type { MetricDefinition } from '../catalog/metric-catalog.js';
import type {
  HistogramSeries,
  MetricExporter,
  ObservationSink,
  ValueSeries,
} from './metric-exporter.js';

/** The prom-client module (internal: public types never mention prom-client). */
export type PromClient = typeof PromClientModule;

/** A sample of a prom-client metric's `get()` (prom-client's `MetricValueWithName`). */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * Metrics in a prom-client registry, read from RedGrid's series at each scrape: counters and
 * gauges are prom-client `Counter`s and `Gauge`s filled by their `collect()`, histograms a
 * collector of prom-client's metric shape (prom-client's `Histogram` has no way to take bucket
 * counts aggregated elsewhere). Nothing of prom-client runs per message. `close()` removes every
 * metric it registered.
 */
export class PrometheusExporter implements MetricExporter {
  readonly #client: PromClient;
  readonly #registry: PromClientModule.Registry;
  readonly #names: string[] = [];

  constructor(client: PromClient, registry: PromClientModule.Registry) {
    this.#client = client;
    this.#registry = registry;
  }

  counter(definition: MetricDefinition, read: () => readonly ValueSeries[]): void {
    new this.#client.Counter({
      ...this.#configuration(definition),
      collect() {
        this.reset();
        for (const series of read()) this.inc(series.labels, series.value);
      },
    });
  }

  gauge(definition: MetricDefinition, read: () => readonly ValueSeries[]): void {
    new this.#client.Gauge({
      ...this.#configuration(definition),
      collect() {
        this.reset();
        for (const series of read()) this.set(series.labels, series.value);
      },
    });
  }

  histogram(
    definition: MetricDefinition,
    read: () => readonly HistogramSeries[],
  ): ObservationSink | undefined {
    const { name, help } = this.#configuration(definition);
    const bounds = definition.buckets ?? [];
    const get = async () => {
      const values: Sample[] = [];
      for (const series of read()) {
        let cumulative = 0;
        bounds.forEach((bound, index) => {
          cumulative += series.counts[index] ?? 0;
          values.push({
            value: cumulative,
            labels: { ...series.labels, le: bound },
            metricName: `${name}_bucket`,
          });
        });
        values.push({
          value: series.count,
          labels: { ...series.labels, le: '+Inf' },
          metricName: `${name}_bucket`,
        });
        values.push({ value: series.sum, labels: series.labels, metricName: `${name}_sum` });
        values.push({ value: series.count, labels: series.labels, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram' as const, values, aggregator: 'sum' as const };
    };
    const collector = {
      name,
      help,
      type: 'histogram' as const,
      aggregator: 'sum' as const,
      labelNames: [...definition.labelNames],
      get,
      // The values belong to observeRedGrid(): a registry-wide resetMetrics() leaves them.
      reset() {},
    };
    this.#registry.registerMetric(collector as unknown as PromClientModule.Metric);
    return undefined;
  }

  close(): void {
    for (const name of this.#names.splice(0)) this.#registry.removeSingleMetric(name);
  }

  #configuration(definition: MetricDefinition) {
    this.#names.push(definition.name);
    return {
      name: definition.name,
      help: definition.help,
      labelNames: [...definition.labelNames],
      registers: [this.#registry],
    };
  }
}
