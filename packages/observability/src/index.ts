export {
  type MetricDefinition,
  type MetricKind,
  type MetricSource,
  redgridMetrics,
} from './catalog/metric-catalog.js';
export type {
  ObservedConnection,
  ObservedConnectionHealth,
} from './connections/observe-connections.js';
export { MalformedMessageError } from './errors/malformed-message-error.js';
export { MissingPeerDependencyError } from './errors/missing-peer-dependency-error.js';
export type {
  OpenTelemetryAttributes,
  OpenTelemetryInstrumentOptions,
  OpenTelemetryMeter,
  OpenTelemetryObservable,
  OpenTelemetryObservableCallback,
  OpenTelemetryObservableResult,
} from './exporters/open-telemetry-meter.js';
export {
  type ObserveRedGridOptions,
  observeRedGrid,
  type PrometheusRegistry,
  type RedGridMetrics,
} from './observe-redgrid.js';
