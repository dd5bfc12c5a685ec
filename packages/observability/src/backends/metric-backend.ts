import type { MetricDefinition } from '../catalog/metric-catalog.js';

/** Label values in the order of the definition's `labelNames`; `undefined` leaves a label out. */
export type LabelValues = readonly (string | undefined)[];

/** One labelled value read at collection time. */
export interface CollectedSample {
  readonly values: LabelValues;
  readonly value: number;
}

/** A monotonic counter of one metric. */
export interface CounterHandle {
  add(values: LabelValues, amount?: number): void;
}

/** A gauge of one metric, set when something happens. */
export interface GaugeHandle {
  set(values: LabelValues, value: number): void;
}

/** A histogram of one metric. */
export interface HistogramHandle {
  observe(values: LabelValues, value: number): void;
}

/**
 * Where metrics go: prom-client or an OpenTelemetry meter. Every metric is created once, when
 * the exporter starts; `close()` stops collection and removes what can be removed.
 */
export interface MetricBackend {
  counter(definition: MetricDefinition): CounterHandle;
  gauge(definition: MetricDefinition): GaugeHandle;
  histogram(definition: MetricDefinition): HistogramHandle;
  /** A gauge whose samples `read` returns each time the backend collects. */
  collectedGauge(definition: MetricDefinition, read: () => readonly CollectedSample[]): void;
  close(): void;
}

/** The labels object of `values` (labels left out when `undefined`). */
export function labelsOf(
  definition: MetricDefinition,
  values: LabelValues,
): Record<string, string> {
  const labels: Record<string, string> = {};
  definition.labelNames.forEach((name, index) => {
    const value = values[index];
    if (value !== undefined) labels[name] = value;
  });
  return labels;
}

/** A cache key of label values, collision-free (each value is prefixed by its length). */
export function keyOf(values: LabelValues): string {
  let key = '';
  for (const value of values) key += value === undefined ? '-;' : `${value.length}:${value}`;
  return key;
}
