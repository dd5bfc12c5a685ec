import { describe, expect, it } from 'vitest';
import { validateCacheOptions } from './validate-cache-options.js';

describe('validateCacheOptions', () => {
  it('checks every duration option of a cache, new and deprecated names', () => {
    const issues = validateCacheOptions({
      connection: {} as never,
      ttlMs: 1_000,
      ttlSeconds: 1,
      graceMs: -5,
      l1: { maxTtlMs: 10, maxTtlSeconds: 1 },
    });
    expect(issues.map((issue) => issue.variable)).toEqual([
      'options.ttlSeconds',
      'options.graceMs',
      'options.l1.maxTtlSeconds',
    ]);
    expect(
      validateCacheOptions({
        connection: {} as never,
        ttlSeconds: 60,
        graceSeconds: 5,
        l1: { maxTtlSeconds: 1 },
      }),
    ).toEqual([]);
  });

  it('checks the distributed single-flight settings', () => {
    const issues = validateCacheOptions({
      connection: {} as never,
      distributedSingleFlight: { lockTtlMs: 0, waitMs: 1.5, maxPollIntervalMs: -1 },
    });
    expect(issues.map((issue) => issue.variable)).toEqual([
      'options.distributedSingleFlight.lockTtlMs',
      'options.distributedSingleFlight.waitMs',
      'options.distributedSingleFlight.maxPollIntervalMs',
    ]);
    expect(
      validateCacheOptions({ connection: {} as never, distributedSingleFlight: true }),
    ).toEqual([]);
  });
});
