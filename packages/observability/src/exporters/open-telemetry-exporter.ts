import type { MetricDefinition } from '../catalog/metric-catalog.js';
import type {
  HistogramSeries,
  MetricExporter,
  ObservationSink,
  ValueSeries,
} from './metric-exporter.js';
import type {
  OpenTelemetryMeter,
  OpenTelemetryObservable,
  OpenTelemetryObservableCallback,
} from './open-telemetry-meter.js';

/**
 * Metrics as OpenTelemetry instruments of one meter, named as in Prometheus (an exporter that
 * follows the OpenTelemetry/Prometheus compatibility rules keeps `_total` and `_seconds` as they
 * are). Counters and gauges are observable instruments over RedGrid's series (cumulative
 * counts); histograms are recorded as they happen, since OpenTelemetry has no observable
 * histogram. Instruments cannot be removed from a meter: `close()` detaches the callbacks and
 * nothing is recorded afterwards.
 */
export class OpenTelemetryExporter implements MetricExporter {
  readonly #meter: OpenTelemetryMeter;
  readonly #detach: Array<() => void> = [];

  constructor(meter: OpenTelemetryMeter) {
    this.#meter = meter;
  }

  counter(definition: MetricDefinition, read: () => readonly ValueSeries[]): void {
    this.#observe(
      this.#meter.createObservableCounter(definition.name, this.#options(definition)),
      read,
    );
  }

  gauge(definition: MetricDefinition, read: () => readonly ValueSeries[]): void {
    this.#observe(
      this.#meter.createObservableGauge(definition.name, this.#options(definition)),
      read,
    );
  }

  histogram(
    definition: MetricDefinition,
    _read: () => readonly HistogramSeries[],
  ): ObservationSink | undefined {
    const histogram = this.#meter.createHistogram(definition.name, {
      ...this.#options(definition),
      advice: { explicitBucketBoundaries: [...(definition.buckets ?? [])] },
    });
    return (value, labels) => histogram.record(value, labels);
  }

  close(): void {
    for (const detach of this.#detach.splice(0)) detach();
  }

  #observe(instrument: OpenTelemetryObservable, read: () => readonly ValueSeries[]): void {
    const callback: OpenTelemetryObservableCallback = (result) => {
      for (const series of read()) result.observe(series.value, series.labels);
    };
    instrument.addCallback(callback);
    this.#detach.push(() => instrument.removeCallback(callback));
  }

  #options(definition: MetricDefinition) {
    return { description: definition.help, unit: definition.unit };
  }
}
