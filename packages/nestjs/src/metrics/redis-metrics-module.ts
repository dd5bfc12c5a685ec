import { type DynamicModule, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import {
  type ObservedConnection,
  observeRedGrid,
  type RedGridMetrics,
} from '@redgrid/observability';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import type { RedisModuleOptions } from '../module/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../module/tokens.js';
import { redisMetricsController } from './redis-metrics-controller.js';
import type { RedisMetricsModuleOptions } from './redis-metrics-module-options.js';
import { REDIS_METRICS } from './tokens.js';

/**
 * Prometheus metrics of everything RedGrid does in a Nest application on `GET /metrics`: the
 * same names as `@redgrid/express`'s `metricsHandler()` (both serve `@redgrid/observability`'s
 * `observeRedGrid()`; see its README for the table and alert rules). With `RedisModule`
 * imported, its connection's live figures are included. The exporter starts when the module is
 * created and stops with the application. prom-client is an optional peer dependency: without
 * it the application fails to start with a `MissingPeerDependencyError` naming it.
 *
 * @example
 * @Module({ imports: [RedisModule.forRoot(), RedisMetricsModule.forRoot()] })
 * export class AppModule {}
 */
@Module({})
export class RedisMetricsModule implements OnModuleDestroy {
  readonly #metrics: RedGridMetrics;

  constructor(@Inject(REDIS_METRICS) metrics: RedGridMetrics) {
    this.#metrics = metrics;
  }

  /** The module, serving `GET /<options.path>` (default `/metrics`). */
  static forRoot(options: RedisMetricsModuleOptions = {}): DynamicModule {
    return {
      module: RedisMetricsModule,
      controllers: [redisMetricsController(options.path ?? 'metrics')],
      providers: [
        {
          provide: REDIS_METRICS,
          useFactory: (
            redis: RedisConnectionService | undefined,
            redisOptions: RedisModuleOptions | undefined,
          ) => {
            const connections: Record<string, ObservedConnection> = { ...options.connections };
            if (redis !== undefined) {
              const name = redisOptions?.connection?.name;
              connections[name ?? 'redis'] = redis.connection;
            }
            return observeRedGrid({
              registry: options.registry ?? 'new',
              connections,
              ...(options.collectDefaultMetrics === undefined
                ? {}
                : { collectDefaultMetrics: options.collectDefaultMetrics }),
              ...(options.ioredisTracing === undefined
                ? {}
                : { ioredisTracing: options.ioredisTracing }),
            });
          },
          inject: [
            { token: RedisConnectionService, optional: true },
            { token: REDIS_MODULE_OPTIONS, optional: true },
          ],
        },
      ],
      exports: [REDIS_METRICS],
    };
  }

  /** Stops the exporter (unsubscribes, removes RedGrid's metrics from the registry). */
  onModuleDestroy(): void {
    this.#metrics.close();
  }
}
