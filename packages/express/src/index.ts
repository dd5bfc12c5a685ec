// The essentials of the packages below, so that an Express application can depend on
// @redgrid/express alone: configuration, the connection and the limiter factory.
export {
  type CacheComponent,
  type ConnectionOptions,
  createConnection,
  createHealthReport,
  type DegradableComponent,
  type HealthCheck,
  type HealthConnection,
  type HealthDetailValue,
  type HealthReport,
  type HealthReportOptions,
  type HealthStatus,
  type RedisConnection,
} from '@redgrid/connection';
export { ConfigError, defineConfig, loadConfigFromEnv, Secret } from '@redgrid/core';
export {
  MissingPeerDependencyError,
  type ObservedConnection,
  type ObserveRedGridOptions,
  observeRedGrid,
  type PrometheusRegistry,
  type RedGridMetrics,
} from '@redgrid/observability';
export {
  createRateLimiter,
  type FailurePolicy,
  type RateLimitAlgorithm,
  type RateLimiter,
  type RateLimiterOptions,
} from '@redgrid/rate-limit';
// The framework-free HTTP helpers, under the names this adapter has always used: `ipKey` is the
// key the default `keyGenerator` builds, the same as `@redgrid/nestjs` builds for `@RateLimit()`.
export {
  type ClientAddressKeyOptions as IpKeyOptions,
  clientAddressKey as ipKey,
  type RateLimitHeaderStyle,
} from '@redgrid/rate-limit/http';
export {
  type DetailedHealthOptions,
  type HealthRouter,
  type HealthRouterOptions,
  healthRouter,
} from './health/health-router.js';
export {
  type MetricsHandler,
  type MetricsHandlerOptions,
  metricsHandler,
} from './metrics/metrics-handler.js';
export {
  type RateLimitHandler,
  type RateLimitHttpOptions,
  type RateLimitLimiterSettings,
  type RateLimitMiddleware,
  type RateLimitMiddlewareStats,
  type RateLimitOptions,
  rateLimit,
} from './rate-limit/rate-limit.js';
export {
  getRateLimitInfo,
  type RateLimitInfo,
} from './rate-limit/rate-limit-info.js';
export {
  type ClientRateLimitInfo,
  ExpressRateLimitStore,
  type ExpressRateLimitStoreOptions,
} from './store/express-rate-limit-store.js';
