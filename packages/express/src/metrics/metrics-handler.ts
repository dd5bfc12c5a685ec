import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { loadPromClient } from './load-prom-client.js';
import {
  type MetricsSources,
  type PrometheusRegistry,
  registerMetrics,
} from './register-metrics.js';

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions extends MetricsSources {
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
}

/** The handler `metricsHandler()` returns. */
export interface MetricsHandler extends RequestHandler {
  /** The registry served, once prom-client is loaded (rejects if it is not installed). */
  registry(): Promise<PrometheusRegistry>;
}

/**
 * An Express handler that serves Prometheus metrics of RedGrid (connection state and latency,
 * circuit breaker, per-command counts and latency histograms, rate limiters, caches, stores)
 * via prom-client, an optional peer dependency loaded on the first scrape. Without prom-client
 * installed, a scrape is passed to `next()` with a `MissingPeerDependencyError` naming the
 * package to install; the rest of the application is unaffected.
 *
 * @example
 * app.get('/metrics', metricsHandler({ connection, limiters: { api: apiLimit } }));
 */
export function metricsHandler(options: MetricsHandlerOptions = {}): MetricsHandler {
  let ready: Promise<PrometheusRegistry> | undefined;
  const registry = (): Promise<PrometheusRegistry> => {
    ready ??= (async () => {
      const client = await loadPromClient();
      const target: PrometheusRegistry = options.registry ?? new client.Registry();
      await registerMetrics(target, options);
      if (options.collectDefaultMetrics) {
        client.collectDefaultMetrics({
          register: target as unknown as InstanceType<typeof client.Registry>,
        });
      }
      return target;
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
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
  return Object.assign(handler, { registry });
}
