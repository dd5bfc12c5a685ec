import { exportedTypeNames } from '@redgrid/config/exported-type-names';
import { describe, expect, it } from 'vitest';
import * as nestjs from './index.js';

// A change to this list is a change to the public API: update it on purpose, with a changeset.
describe('@redgrid/nestjs public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(nestjs).sort()).toMatchInlineSnapshot(`
      [
        "CacheService",
        "RATE_LIMIT_OPTIONS",
        "REDIS_METRICS",
        "REDIS_MODULE_OPTIONS",
        "REDIS_THROTTLER_STORAGE_OPTIONS",
        "RateLimit",
        "RateLimitGuard",
        "RateLimitService",
        "RedisConnectionService",
        "RedisHealthIndicator",
        "RedisMetricsModule",
        "RedisModule",
        "RedisPartitioningService",
        "RedisThrottlerStorage",
        "clientAddressKey",
        "createNestLogger",
        "createRedisHealthReport",
        "rateLimitHeaders",
      ]
    `);
  });
  it('exports exactly these types', () => {
    expect(exportedTypeNames(new URL('./index.ts', import.meta.url))).toEqual([
      'DegradableComponent',
      'RateLimitCheck',
      'RateLimitHeaderOptions',
      'RateLimitOptions',
      'RateLimitRequest',
      'RedisHealthCheck',
      'RedisHealthDetailValue',
      'RedisHealthIndicatorOptions',
      'RedisHealthIndicatorResult',
      'RedisHealthReport',
      'RedisHealthReportOptions',
      'RedisHealthStatus',
      'RedisMetricsModuleOptions',
      'RedisModuleAsyncOptions',
      'RedisModuleCacheOptions',
      'RedisModuleOptions',
      'RedisModulePartitioningOptions',
      'RedisModuleRateLimitOptions',
      'RedisThrottlerStorageOptions',
      'RedisThrottlerStorageRecord',
      'TerminusStatus',
      'ThrottlerStorageAlgorithm',
      'ThrottlerStorageRecord',
    ]);
  });
});
