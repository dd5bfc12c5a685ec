// The framework-free HTTP helpers the guard uses, shared with @redgrid/express (whose `ipKey` is
// `clientAddressKey`): the same request gets the same key and headers from either adapter.
export {
  clientAddressKey,
  type RateLimitHeaderOptions,
  rateLimitHeaders,
} from '@redgrid/rate-limit/http';
export { CacheService } from './cache/cache-service.js';
export { createNestLogger } from './connection/nest-logger.js';
export { RedisConnectionService } from './connection/redis-connection-service.js';
export {
  RedisHealthIndicator,
  type RedisHealthIndicatorOptions,
  type RedisHealthIndicatorResult,
  type TerminusStatus,
} from './health/redis-health-indicator.js';
export {
  createRedisHealthReport,
  type DegradableComponent,
  type RedisHealthCheck,
  type RedisHealthDetailValue,
  type RedisHealthReport,
  type RedisHealthReportOptions,
  type RedisHealthStatus,
} from './health/redis-health-report.js';
export { RedisMetricsModule } from './metrics/redis-metrics-module.js';
export type { RedisMetricsModuleOptions } from './metrics/redis-metrics-module-options.js';
export { REDIS_METRICS } from './metrics/tokens.js';
export {
  RedisModule,
  type RedisModuleAsyncOptions,
} from './module/redis-module.js';
export type {
  RedisModuleCacheOptions,
  RedisModuleOptions,
  RedisModulePartitioningOptions,
  RedisModuleRateLimitOptions,
} from './module/redis-module-options.js';
export { REDIS_MODULE_OPTIONS } from './module/tokens.js';
export { RedisPartitioningService } from './partitioning/redis-partitioning-service.js';
export { RateLimit } from './rate-limit/rate-limit-decorator.js';
export { RateLimitGuard } from './rate-limit/rate-limit-guard.js';
export {
  RATE_LIMIT_OPTIONS,
  type RateLimitOptions,
  type RateLimitRequest,
} from './rate-limit/rate-limit-options.js';
export {
  type RateLimitCheck,
  RateLimitService,
} from './rate-limit/rate-limit-service.js';
export {
  RedisThrottlerStorage,
  type RedisThrottlerStorageRecord,
  type ThrottlerStorageRecord,
} from './throttler/redis-throttler-storage.js';
export {
  REDIS_THROTTLER_STORAGE_OPTIONS,
  type RedisThrottlerStorageOptions,
  type ThrottlerStorageAlgorithm,
} from './throttler/redis-throttler-storage-options.js';
