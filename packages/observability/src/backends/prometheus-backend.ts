import type * as PromClientModule from 'prom-client';
import type { MetricDefinition } from '../catalog/metric-catalog.js';
import {
  type CollectedSample,
  type CounterHandle,
  type GaugeHandle,
  type HistogramHandle,
  keyOf,
  type LabelValues,
  labelsOf,
  type MetricBackend,
} from './metric-backend.js';

/** The prom-client module (internal: public types never mention prom-client). */
export type PromClient = typeof PromClientModule;

/**
 * Metrics in a prom-client registry: one `Counter`, `Gauge` or `Histogram` per definition, with
 * the child of each label set cached so that a hot-path update is a map lookup and an addition.
 * `close()` removes every metric it registered.
 */
export class PrometheusBackend implements MetricBackend {
  readonly #client: PromClient;
  readonly #registry: PromClientModule.Registry;
  readonly #names: string[] = [];

  constructor(client: PromClient, registry: PromClientModule.Registry) {
    this.#client = client;
    this.#registry = registry;
  }

  counter(definition: MetricDefinition): CounterHandle {
    const metric = new this.#client.Counter(this.#configuration(definition));
    const child = this.#children(definition, (labels) => metric.labels(labels));
    return { add: (values, amount = 1) => child(values).inc(amount) };
  }

  gauge(definition: MetricDefinition): GaugeHandle {
    const metric = new this.#client.Gauge(this.#configuration(definition));
    const child = this.#children(definition, (labels) => metric.labels(labels));
    return { set: (values, value) => child(values).set(value) };
  }

  histogram(definition: MetricDefinition): HistogramHandle {
    const metric = new this.#client.Histogram({
      ...this.#configuration(definition),
      buckets: [...(definition.buckets ?? [])],
    });
    const child = this.#children(definition, (labels) => metric.labels(labels));
    return { observe: (values, value) => child(values).observe(value) };
  }

  collectedGauge(definition: MetricDefinition, read: () => readonly CollectedSample[]): void {
    new this.#client.Gauge({
      ...this.#configuration(definition),
      collect() {
        this.reset();
        for (const sample of read()) this.set(labelsOf(definition, sample.values), sample.value);
      },
    });
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

  #children<Child>(
    definition: MetricDefinition,
    create: (labels: Record<string, string>) => Child,
  ): (values: LabelValues) => Child {
    const children = new Map<string, Child>();
    return (values) => {
      const key = keyOf(values);
      let child = children.get(key);
      if (child === undefined) {
        child = create(labelsOf(definition, values));
        children.set(key, child);
      }
      return child;
    };
  }
}
