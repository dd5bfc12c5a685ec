import {
  type ObservedConnection,
  observeRedGrid,
  type PrometheusRegistry,
  type RedGridMetrics,
} from '@redgrid/observability';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions {
  /**
   * The prom-client registry to register in and serve (e.g. prom-client's default `register`,
   * to serve your own metrics too). Default: a new registry holding only RedGrid's metrics.
   */
  registry?: PrometheusRegistry;
  /**
   * Also collect prom-client's default Node.js process metrics into the registry. Default
   * false (your application may already do it).
   */
  collectDefaultMetrics?: boolean;
  /**
   * Also record ioredis 6.1's per-node wire view (`redgrid_node_*`). Default false: it makes
   * ioredis trace every command, which costs CPU (see `@redgrid/observability`).
   */
  ioredisTracing?: boolean;
  /** A connection whose live figures (in flight, offline queue, nodes, latency) are exported. */
  connection?: ObservedConnection;
  /** The name `connection` was created with (`ConnectionOptions.name`). Default `'redis'`. */
  connectionName?: string;
  /** More connections by the name they were created with (e.g. one per partition node). */
  connections?: Readonly<Record<string, ObservedConnection>>;
}

/** The handler `metricsHandler()` returns. */
export interface MetricsHandler extends RequestHandler {
  /** The registry served, once prom-client is loaded (rejects if it is not installed). */
  registry(): Promise<PrometheusRegistry>;
  /** Stops collecting (unsubscribes, and removes RedGrid's metrics from the registry). */
  close(): void;
}

/**
 * An Express handler that serves RedGrid's Prometheus metrics: everything the components
 * publish (commands, breakers, failovers, degradation, rate limits, caches, memory; see
 * `@redgrid/observability` for the names), collected from the moment the handler is created by
 * `observeRedGrid()`. prom-client is an optional peer dependency: without it, every scrape is
 * passed to `next()` with a `MissingPeerDependencyError` saying `npm install prom-client`; the
 * rest of the application is unaffected.
 *
 * @example
 * app.get('/metrics', metricsHandler({ connection }));
 */
export function metricsHandler(options: MetricsHandlerOptions = {}): MetricsHandler {
  const connections: Record<string, ObservedConnection> = { ...options.connections };
  if (options.connection !== undefined) {
    connections[options.connectionName ?? 'redis'] = options.connection;
  }
  const started: Promise<RedGridMetrics> = observeRedGrid({
    registry: options.registry ?? 'new',
    connections,
    ...(options.collectDefaultMetrics === undefined
      ? {}
      : { collectDefaultMetrics: options.collectDefaultMetrics }),
    ...(options.ioredisTracing === undefined ? {} : { ioredisTracing: options.ioredisTracing }),
  });
  // Reported on each scrape (and by registry()), not as an unhandled rejection.
  started.catch(() => undefined);
  const registry = async (): Promise<PrometheusRegistry> => {
    const { registry: served } = await started;
    // observeRedGrid() exports to Prometheus whenever it is given a registry.
    if (served === undefined) throw new TypeError('observeRedGrid() returned no registry');
    return served;
  };

  const handler = (_req: Request, res: Response, next: NextFunction): void => {
    registry()
      .then(async (target) => {
        const body = await target.metrics();
        res.status(200);
        res.setHeader('Content-Type', target.contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.end(body);
      })
      .catch(next);
  };
  const close = () => {
    started.then(
      (metrics) => metrics.close(),
      () => undefined,
    );
  };
  return Object.assign(handler, { registry, close });
}
