import {
  type DynamicModule,
  type InjectionToken,
  Module,
  type ModuleMetadata,
  type OptionalFactoryDependency,
  type Provider,
} from '@nestjs/common';
import { CacheService } from '../cache/cache-service.js';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import { RedisHealthIndicator } from '../health/redis-health-indicator.js';
import { RedisPartitioningService } from '../partitioning/redis-partitioning-service.js';
import { RateLimitGuard } from '../rate-limit/rate-limit-guard.js';
import { RateLimitService } from '../rate-limit/rate-limit-service.js';
import { RedisThrottlerStorage } from '../throttler/redis-throttler-storage.js';
import { RedisLifecycle } from './redis-lifecycle.js';
import type { RedisModuleOptions } from './redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from './tokens.js';

/** Options of {@link RedisModule.forRootAsync}: a factory computing the options from providers. */
export interface RedisModuleAsyncOptions {
  /** Modules exporting the providers `inject` names (e.g. `ConfigModule`). */
  imports?: ModuleMetadata['imports'];
  /** Providers passed to `useFactory`, in order. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Returns the module's options (see {@link RedisModuleOptions}). */
  useFactory: (...args: never[]) => RedisModuleOptions | Promise<RedisModuleOptions>;
  /** Register the module globally. Default true. */
  isGlobal?: boolean;
}

const services = [
  RedisConnectionService,
  RedisPartitioningService,
  RateLimitService,
  CacheService,
  RedisHealthIndicator,
  RedisThrottlerStorage,
  RateLimitGuard,
];

function dynamicModule(
  optionsProvider: Provider,
  isGlobal: boolean | undefined,
  imports: ModuleMetadata['imports'] = [],
): DynamicModule {
  return {
    module: RedisModule,
    global: isGlobal ?? true,
    imports,
    providers: [optionsProvider, ...services, RedisLifecycle],
    exports: [REDIS_MODULE_OPTIONS, ...services],
  };
}

/**
 * Redis for a Nest application: one resilient connection (single server, Cluster or Sentinel,
 * from the options or the `REDIS_*` environment), with `RedisConnectionService`,
 * `RedisPartitioningService`, `RateLimitService`, `CacheService`, `RedisHealthIndicator`,
 * `RedisThrottlerStorage` and the `@RateLimit()` guard injectable everywhere (the module is
 * global by default). Connects in the background when the application starts, so the
 * application comes up even while Redis is down, and closes every connection on shutdown
 * within `shutdownTimeoutMs`.
 *
 * @example
 * @Module({ imports: [RedisModule.forRoot()] }) // configuration from REDIS_* variables
 * export class AppModule {}
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module is a class; forRoot/forRootAsync are its dynamic-module factories
export class RedisModule {
  /** The module with fixed options; `forRoot()` with none reads the environment. */
  static forRoot(options: RedisModuleOptions = {}): DynamicModule {
    return dynamicModule({ provide: REDIS_MODULE_OPTIONS, useValue: options }, options.isGlobal);
  }

  /**
   * The module with options computed by a factory from other providers, e.g. a configuration
   * service. The factory may be async; it runs once, before any service is created.
   */
  static forRootAsync(options: RedisModuleAsyncOptions): DynamicModule {
    return dynamicModule(
      {
        provide: REDIS_MODULE_OPTIONS,
        useFactory: options.useFactory as (...args: unknown[]) => Promise<RedisModuleOptions>,
        inject: options.inject ?? [],
      },
      options.isGlobal,
      options.imports,
    );
  }
}
