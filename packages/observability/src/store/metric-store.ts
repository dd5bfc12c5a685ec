import { type MetricDefinition, type MetricId, metricCatalog } from '../catalog/metric-catalog.js';
import type {
  HistogramSeries,
  MetricExporter,
  ObservationSink,
  ValueSeries,
} from '../exporters/metric-exporter.js';
import { LabelLimits } from '../labels/label-limits.js';
import { type LabelValues, SeriesTable } from './series-table.js';

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

/** One labelled value read at collection time. */
export interface CollectedSample {
  readonly values: LabelValues;
  readonly value: number;
}

type Handle = CounterHandle | GaugeHandle | HistogramHandle;

/**
 * The values of the catalog's metrics, aggregated in RedGrid's own series (a lookup and a few
 * additions per message, nothing allocated once a series exists) and read by the exporters when
 * they collect. Every label value passes the label limits on the way in, so that no handler can
 * forget them. A handle is created once per metric; asking again returns the same one.
 */
export class MetricStore {
  readonly #exporters: readonly MetricExporter[];
  readonly #limits: LabelLimits;
  readonly #handles = new Map<MetricId, Handle>();
  readonly #errors: CounterHandle;

  constructor(exporters: readonly MetricExporter[], options: { maxLabelValues: number }) {
    this.#exporters = exporters;
    // Counting an overflow can overflow the counter's own label (with a tiny maxLabelValues):
    // that one is recorded as `other`, not counted again.
    let overflow: CounterHandle | undefined;
    let counting = false;
    this.#limits = new LabelLimits({
      maxValues: options.maxLabelValues,
      onOverflow: (label) => {
        if (counting) return;
        counting = true;
        try {
          overflow?.add([label]);
        } finally {
          counting = false;
        }
      },
    });
    overflow = this.counter('labelOverflow');
    this.#errors = this.counter('subscriberErrors');
  }

  /** Creates every metric of the catalog read from events (those read at collection excepted). */
  declareAll(): void {
    for (const [id, definition] of Object.entries(metricCatalog) as Array<
      [MetricId, MetricDefinition]
    >) {
      if (definition.source === 'connections option') continue;
      if (definition.kind === 'counter') this.counter(id);
      else if (definition.kind === 'gauge') this.gauge(id);
      else this.histogram(id);
    }
  }

  /** The counter `id`. */
  counter(id: MetricId): CounterHandle {
    return this.#handle(id, (definition) => {
      const table = this.#table<ValueSeries>(definition, (labels) => ({ labels, value: 0 }));
      for (const exporter of this.#exporters) exporter.counter(definition, () => table.cells());
      return {
        add: (values, amount = 1) => {
          table.cell(values).value += amount;
        },
      };
    });
  }

  /** The gauge `id`. */
  gauge(id: MetricId): GaugeHandle {
    return this.#handle(id, (definition) => {
      const table = this.#table<ValueSeries>(definition, (labels) => ({ labels, value: 0 }));
      for (const exporter of this.#exporters) exporter.gauge(definition, () => table.cells());
      return {
        set: (values, value) => {
          table.cell(values).value = value;
        },
      };
    });
  }

  /** The histogram `id`. */
  histogram(id: MetricId): HistogramHandle {
    return this.#handle(id, (definition) => {
      const bounds = definition.buckets ?? [];
      const table = this.#table<HistogramSeries>(definition, (labels) => ({
        labels,
        counts: new Array<number>(bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      }));
      const sinks: ObservationSink[] = [];
      for (const exporter of this.#exporters) {
        const sink = exporter.histogram(definition, () => table.cells());
        if (sink !== undefined) sinks.push(sink);
      }
      return {
        observe: (values, value) => {
          const series = table.cell(values);
          let bucket = 0;
          while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
          (series.counts[bucket] as number)++;
          series.sum += value;
          series.count++;
          for (const sink of sinks) sink(value, series.labels);
        },
      };
    });
  }

  /** A gauge whose samples `read` returns at each collection; `read` must not throw. */
  collectedGauge(id: MetricId, read: () => readonly CollectedSample[]): void {
    const definition = metricCatalog[id];
    const admitters = definition.labelNames.map((name) => this.#limits.admitter(name));
    const series = (): ValueSeries[] =>
      read().map((sample) => {
        const labels: Record<string, string> = {};
        definition.labelNames.forEach((name, index) => {
          const value = (admitters[index] ?? ((raw) => raw))(sample.values[index]);
          if (value !== undefined) labels[name] = value;
        });
        return { labels, value: sample.value };
      });
    for (const exporter of this.#exporters) exporter.gauge(definition, series);
  }

  /** Counts a message that could not be recorded, under its channel. */
  countError(channel: string): void {
    this.#errors.add([channel]);
  }

  close(): void {
    for (const exporter of this.#exporters) exporter.close();
  }

  #table<Cell extends ValueSeries | HistogramSeries>(
    definition: MetricDefinition,
    create: (labels: Cell['labels']) => Cell,
  ): SeriesTable<Cell> {
    return new SeriesTable(
      definition.labelNames,
      definition.labelNames.map((name) => this.#limits.admitter(name)),
      create,
    );
  }

  #handle<H extends Handle>(id: MetricId, create: (definition: MetricDefinition) => H): H {
    let handle = this.#handles.get(id) as H | undefined;
    if (handle === undefined) {
      handle = create(metricCatalog[id]);
      this.#handles.set(id, handle);
    }
    return handle;
  }
}
