import { exportedTypeNames } from '@redgrid/config/exported-type-names';
import { describe, expect, it } from 'vitest';
import * as observability from './index.js';

// A change to this list is a change to the public API: update it on purpose, with a changeset.
describe('@redgrid/observability public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(observability).sort()).toEqual([
      'MalformedMessageError',
      'MissingPeerDependencyError',
      'observeRedGrid',
      'redgridMetrics',
    ]);
  });
  it('exports exactly these types', () => {
    expect(exportedTypeNames(new URL('./index.ts', import.meta.url))).toEqual([
      'MetricDefinition',
      'MetricKind',
      'MetricSource',
      'ObserveRedGridOptions',
      'ObservedConnection',
      'ObservedConnectionHealth',
      'OpenTelemetryAttributes',
      'OpenTelemetryInstrumentOptions',
      'OpenTelemetryMeter',
      'OpenTelemetryObservable',
      'OpenTelemetryObservableCallback',
      'OpenTelemetryObservableResult',
      'PrometheusRegistry',
      'RedGridMetrics',
    ]);
  });
});
