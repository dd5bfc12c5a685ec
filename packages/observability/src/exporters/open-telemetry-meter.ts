// The part of an OpenTelemetry `Meter` (`@opentelemetry/api` >= 1.7) RedGrid uses, written out
// so that public types do not depend on @opentelemetry/api being installed. A `Meter` fits.

/** Attributes of a measurement: label name to value. */
export type OpenTelemetryAttributes = Readonly<Record<string, string>>;

/** Options RedGrid passes when it creates an instrument. */
export interface OpenTelemetryInstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** What an observable instrument's callback receives. */
export interface OpenTelemetryObservableResult {
  observe(value: number, attributes?: OpenTelemetryAttributes): void;
}

/** A callback of an observable instrument. */
export type OpenTelemetryObservableCallback = (result: OpenTelemetryObservableResult) => void;

/** An observable instrument: its callbacks are called on each collection. */
export interface OpenTelemetryObservable {
  addCallback(callback: OpenTelemetryObservableCallback): void;
  removeCallback(callback: OpenTelemetryObservableCallback): void;
}

/** An OpenTelemetry `Meter`, as far as RedGrid uses one (any `Meter` of `@opentelemetry/api` fits). */
export interface OpenTelemetryMeter {
  createHistogram(
    name: string,
    options?: OpenTelemetryInstrumentOptions,
  ): { record(value: number, attributes?: OpenTelemetryAttributes): void };
  createObservableCounter(
    name: string,
    options?: OpenTelemetryInstrumentOptions,
  ): OpenTelemetryObservable;
  createObservableGauge(
    name: string,
    options?: OpenTelemetryInstrumentOptions,
  ): OpenTelemetryObservable;
}
