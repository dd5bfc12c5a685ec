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

/** An OpenTelemetry `Meter`, as far as RedGrid uses one (any `Meter` of `@opentelemetry/api` fits). */
export interface OpenTelemetryMeter {
  createCounter(
    name: string,
    options?: OpenTelemetryInstrumentOptions,
  ): { add(value: number, attributes?: OpenTelemetryAttributes): void };
  createHistogram(
    name: string,
    options?: OpenTelemetryInstrumentOptions,
  ): { record(value: number, attributes?: OpenTelemetryAttributes): void };
  createObservableGauge(
    name: string,
    options?: OpenTelemetryInstrumentOptions,
  ): {
    addCallback(callback: OpenTelemetryObservableCallback): void;
    removeCallback(callback: OpenTelemetryObservableCallback): void;
  };
}
