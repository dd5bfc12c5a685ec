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
});
