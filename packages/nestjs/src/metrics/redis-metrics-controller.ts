import { Controller, Get, Inject, Res, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { RedGridMetrics } from '@redgrid/observability';
import { REDIS_METRICS } from './tokens.js';

/**
 * A controller serving the exporter's registry in the Prometheus text format on `GET /<path>`,
 * through the HTTP adapter (Express or Fastify alike). One class per path, since Nest reads a
 * controller's path from its class.
 */
export function redisMetricsController(path: string): Type<unknown> {
  @Controller(path)
  class RedisMetricsController {
    readonly #metrics: RedGridMetrics;
    readonly #adapterHost: HttpAdapterHost;

    constructor(
      @Inject(REDIS_METRICS) metrics: RedGridMetrics,
      @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
    ) {
      this.#metrics = metrics;
      this.#adapterHost = adapterHost;
    }

    @Get()
    async scrape(@Res({ passthrough: true }) response: unknown): Promise<string> {
      const registry = this.#metrics.registry;
      const body = (await registry?.metrics()) ?? '';
      const adapter = this.#adapterHost.httpAdapter;
      adapter.setHeader(response, 'Content-Type', registry?.contentType ?? 'text/plain');
      adapter.setHeader(response, 'Cache-Control', 'no-store');
      return body;
    }
  }
  return RedisMetricsController;
}
