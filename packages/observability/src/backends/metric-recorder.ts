import { type MetricId, metricCatalog } from '../catalog/metric-catalog.js';
import { LabelLimits } from '../labels/label-limits.js';
import type {
  CollectedSample,
  CounterHandle,
  GaugeHandle,
  HistogramHandle,
  LabelValues,
  MetricBackend,
} from './metric-backend.js';

/**
 * Records the catalog's metrics into one or more backends (prom-client, OpenTelemetry), with
 * every label value passed through the label limits first, so that no handler can forget them.
 */
export class MetricRecorder {
  readonly #backends: readonly MetricBackend[];
  readonly #limits: LabelLimits;
  readonly #overflow: CounterHandle;
  readonly #errors: CounterHandle;
  readonly #handles = new Map<MetricId, CounterHandle | GaugeHandle | HistogramHandle>();

  constructor(backends: readonly MetricBackend[], options: { maxLabelValues: number }) {
    this.#backends = backends;
    this.#overflow = this.#fanOut(
      backends.map((backend) => backend.counter(metricCatalog.labelOverflow)),
    );
    this.#errors = this.#fanOut(
      backends.map((backend) => backend.counter(metricCatalog.subscriberErrors)),
    );
    this.#limits = new LabelLimits({
      maxValues: options.maxLabelValues,
      onOverflow: (label) => this.#overflow.add([label]),
    });
  }

  /** The counter `id` (created on first use; the same handle afterwards). */
  counter(id: MetricId): CounterHandle {
    return this.#handle(id, () => {
      const definition = metricCatalog[id];
      const target = this.#fanOut(this.#backends.map((backend) => backend.counter(definition)));
      return {
        add: (values, amount) => target.add(this.#bound(definition.labelNames, values), amount),
      };
    });
  }

  /** The gauge `id` (created on first use; the same handle afterwards). */
  gauge(id: MetricId): GaugeHandle {
    return this.#handle(id, () => {
      const definition = metricCatalog[id];
      const targets = this.#backends.map((backend) => backend.gauge(definition));
      return {
        set: (values, value) => {
          const bounded = this.#bound(definition.labelNames, values);
          for (const target of targets) target.set(bounded, value);
        },
      };
    });
  }

  /** The histogram `id` (created on first use; the same handle afterwards). */
  histogram(id: MetricId): HistogramHandle {
    return this.#handle(id, () => {
      const definition = metricCatalog[id];
      const targets = this.#backends.map((backend) => backend.histogram(definition));
      return {
        observe: (values, value) => {
          const bounded = this.#bound(definition.labelNames, values);
          for (const target of targets) target.observe(bounded, value);
        },
      };
    });
  }

  /** A gauge read at collection time; `read` must not throw (see `observeRedGrid`). */
  collectedGauge(id: MetricId, read: () => readonly CollectedSample[]): void {
    const definition = metricCatalog[id];
    const bounded = () =>
      read().map((sample) => ({
        values: this.#bound(definition.labelNames, sample.values),
        value: sample.value,
      }));
    for (const backend of this.#backends) backend.collectedGauge(definition, bounded);
  }

  /** Counts a message that could not be recorded, under its channel. */
  countError(channel: string): void {
    this.#errors.add([channel]);
  }

  close(): void {
    for (const backend of this.#backends) backend.close();
  }

  #handle<Handle extends CounterHandle | GaugeHandle | HistogramHandle>(
    id: MetricId,
    create: () => Handle,
  ): Handle {
    let handle = this.#handles.get(id) as Handle | undefined;
    if (handle === undefined) {
      handle = create();
      this.#handles.set(id, handle);
    }
    return handle;
  }

  #bound(labelNames: readonly string[], values: LabelValues): LabelValues {
    const bounded: Array<string | undefined> = [];
    for (let index = 0; index < labelNames.length; index++) {
      const value = values[index];
      bounded.push(
        this.#limits.admit(
          labelNames[index] ?? '',
          value === undefined ? undefined : String(value),
        ),
      );
    }
    return bounded;
  }

  #fanOut(handles: readonly CounterHandle[]): CounterHandle {
    const [only] = handles;
    if (handles.length === 1 && only !== undefined) return only;
    return {
      add: (values, amount) => {
        for (const handle of handles) handle.add(values, amount);
      },
    };
  }
}
