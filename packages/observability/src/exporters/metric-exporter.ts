import type { MetricDefinition } from '../catalog/metric-catalog.js';
import type { Series, SeriesLabels } from '../store/series-table.js';

/** A series with one value: a counter's total or a gauge's current value. */
export interface ValueSeries extends Series {
  value: number;
}

/** A histogram series: observations per bucket (not cumulative; the last is above every bound). */
export interface HistogramSeries extends Series {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Receives each observation of a histogram as it happens (OpenTelemetry records them itself). */
export type ObservationSink = (value: number, labels: SeriesLabels) => void;

/**
 * Where metrics go: prom-client or an OpenTelemetry meter. The values live in RedGrid's own
 * series (a few additions per message); an exporter reads them when it collects, and may ask to
 * receive histogram observations as they happen. `close()` stops collection and removes what
 * can be removed.
 */
export interface MetricExporter {
  counter(definition: MetricDefinition, read: () => readonly ValueSeries[]): void;
  gauge(definition: MetricDefinition, read: () => readonly ValueSeries[]): void;
  histogram(
    definition: MetricDefinition,
    read: () => readonly HistogramSeries[],
  ): ObservationSink | undefined;
  close(): void;
}
