import type { CollectedSample, MetricStore } from '../store/metric-store.js';
import { breakerStateValues, isUp } from '../subscriptions/subscribe-redgrid-channels.js';

/** What `observeRedGrid` reads of a connection's health: a `ConnectionHealth` fits. */
export interface ObservedConnectionHealth {
  readonly state: string;
  readonly nodeCount: number;
  readonly inFlight: number;
  readonly offlineQueueDepth: number;
  readonly latencyMs: number | undefined;
  readonly breaker: {
    readonly state: 'closed' | 'open' | 'half-open';
    readonly failureRate: number;
  };
}

/** A connection whose live figures are exported: a `RedisConnection` of `@redgrid/connection` fits. */
export interface ObservedConnection {
  /** The last known health, without I/O. */
  health(): ObservedConnectionHealth;
  /** Its circuit breaker, whose name labels the breaker metrics (default: the connection's name). */
  readonly breaker?: { readonly name?: string | undefined };
}

/**
 * Exports the live figures of `connections` (in flight, offline queue, nodes, health-check
 * latency, breaker failure ratio), read when metrics are collected, and sets their state and
 * breaker gauges once now, so that they exist before the connection next changes state. A
 * connection whose `health()` throws is skipped and reported. The gauges are registered even
 * without connections, so that every exporter shows the same metric names.
 */
export function observeConnections(
  store: MetricStore,
  connections: Readonly<Record<string, ObservedConnection>>,
  report: (error: unknown) => void,
): void {
  const entries = Object.entries(connections);
  const breakerName = (name: string, connection: ObservedConnection) =>
    connection.breaker?.name ?? name;
  const healthOf = (connection: ObservedConnection) => {
    try {
      return connection.health();
    } catch (error) {
      report(error);
      return undefined;
    }
  };

  const connectionState = store.gauge('connectionState');
  const connectionUp = store.gauge('connectionUp');
  const breakerState = store.gauge('breakerState');
  for (const [name, connection] of entries) {
    const health = healthOf(connection);
    if (health === undefined) continue;
    connectionState.set([name, health.state], 1);
    connectionUp.set([name], isUp(health.state) ? 1 : 0);
    breakerState.set([breakerName(name, connection)], breakerStateValues[health.breaker.state]);
  }

  const collect =
    (
      read: (health: ObservedConnectionHealth) => number | undefined,
      label = (name: string, _connection: ObservedConnection) => name,
    ) =>
    (): CollectedSample[] => {
      const samples: CollectedSample[] = [];
      for (const [name, connection] of entries) {
        const health = healthOf(connection);
        const value = health === undefined ? undefined : read(health);
        if (value !== undefined && Number.isFinite(value)) {
          samples.push({ values: [label(name, connection)], value });
        }
      }
      return samples;
    };
  store.collectedGauge(
    'connectionNodes',
    collect((health) => health.nodeCount),
  );
  store.collectedGauge(
    'connectionInFlight',
    collect((health) => health.inFlight),
  );
  store.collectedGauge(
    'connectionOfflineQueue',
    collect((health) => health.offlineQueueDepth),
  );
  store.collectedGauge(
    'connectionLatency',
    collect((health) => (health.latencyMs === undefined ? undefined : health.latencyMs / 1000)),
  );
  store.collectedGauge(
    'breakerFailureRatio',
    collect((health) => health.breaker.failureRate, breakerName),
  );
}
