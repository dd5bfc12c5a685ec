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
import type {
  OpenTelemetryAttributes,
  OpenTelemetryMeter,
  OpenTelemetryObservableCallback,
} from './open-telemetry-meter.js';

/**
 * Metrics as OpenTelemetry instruments of one meter, named as in Prometheus (an exporter that
 * follows the OpenTelemetry/Prometheus compatibility rules keeps `_total` and `_seconds` as they
 * are). Gauges set on events are observable gauges over the last value of each attribute set,
 * so only `createCounter`, `createHistogram` and `createObservableGauge` are needed (API >= 1.7
 * for histogram bucket advice). Instruments cannot be removed from a meter: `close()` detaches
 * the gauge callbacks, and nothing records afterwards.
 */
export class OpenTelemetryBackend implements MetricBackend {
  readonly #meter: OpenTelemetryMeter;
  readonly #detach: Array<() => void> = [];

  constructor(meter: OpenTelemetryMeter) {
    this.#meter = meter;
  }

  counter(definition: MetricDefinition): CounterHandle {
    const counter = this.#meter.createCounter(definition.name, this.#options(definition));
    const attributes = attributesCache(definition);
    return { add: (values, amount = 1) => counter.add(amount, attributes(values)) };
  }

  gauge(definition: MetricDefinition): GaugeHandle {
    const last = new Map<string, { attributes: OpenTelemetryAttributes; value: number }>();
    this.#observe(definition, (result) => {
      for (const entry of last.values()) result.observe(entry.value, entry.attributes);
    });
    return {
      set: (values, value) => {
        const key = keyOf(values);
        const entry = last.get(key);
        if (entry === undefined) last.set(key, { attributes: labelsOf(definition, values), value });
        else entry.value = value;
      },
    };
  }

  histogram(definition: MetricDefinition): HistogramHandle {
    const histogram = this.#meter.createHistogram(definition.name, {
      ...this.#options(definition),
      advice: { explicitBucketBoundaries: [...(definition.buckets ?? [])] },
    });
    const attributes = attributesCache(definition);
    return { observe: (values, value) => histogram.record(value, attributes(values)) };
  }

  collectedGauge(definition: MetricDefinition, read: () => readonly CollectedSample[]): void {
    this.#observe(definition, (result) => {
      for (const sample of read())
        result.observe(sample.value, labelsOf(definition, sample.values));
    });
  }

  close(): void {
    for (const detach of this.#detach.splice(0)) detach();
  }

  #observe(definition: MetricDefinition, callback: OpenTelemetryObservableCallback): void {
    const gauge = this.#meter.createObservableGauge(definition.name, this.#options(definition));
    gauge.addCallback(callback);
    this.#detach.push(() => gauge.removeCallback(callback));
  }

  #options(definition: MetricDefinition) {
    return { description: definition.help, unit: definition.unit };
  }
}

/** The attributes object of each label set, built once (the SDK may keep a reference). */
function attributesCache(
  definition: MetricDefinition,
): (values: LabelValues) => OpenTelemetryAttributes {
  const cache = new Map<string, OpenTelemetryAttributes>();
  return (values) => {
    const key = keyOf(values);
    let attributes = cache.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze(labelsOf(definition, values));
      cache.set(key, attributes);
    }
    return attributes;
  };
}
