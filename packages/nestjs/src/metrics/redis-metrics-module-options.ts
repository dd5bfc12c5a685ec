import type { ObservedConnection, PrometheusRegistry } from '@redgrid/observability';

/** Options of {@link RedisMetricsModule.forRoot}. Every field is optional. */
export interface RedisMetricsModuleOptions {
  /** Route of the Prometheus endpoint. Default `'metrics'` (`GET /metrics`). */
  path?: string;
  /**
   * The prom-client registry to register in and serve (e.g. prom-client's default `register`,
   * to serve your own metrics too). Default: a new registry holding only RedGrid's metrics.
   */
  registry?: PrometheusRegistry;
  /**
   * Also collect prom-client's default Node.js process metrics into the registry. Default false
   * (your application may already do it).
   */
  collectDefaultMetrics?: boolean;
  /**
   * Also record ioredis 6.1's per-node wire view (`redgrid_node_*`). Default false: it makes
   * ioredis trace every command, which costs CPU (see `@redgrid/observability`).
   */
  ioredisTracing?: boolean;
  /**
   * Connections whose live figures are exported, by the name they were created with, in
   * addition to `RedisModule`'s own connection (found by itself when `RedisModule` is imported).
   */
  connections?: Readonly<Record<string, ObservedConnection>>;
}
