import type { ConfigIssue } from '@redgrid/core';
import type { CacheOptions } from './cache-options.js';
import { durationIssues } from './duration.js';

/** Every problem of `options`, by option name (empty when valid). */
export function validateCacheOptions(options: CacheOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const positiveInteger = (value: number | undefined, variable: string) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      issues.push({
        variable,
        message: `must be a positive integer, got ${value}`,
      });
    }
  };
  issues.push(
    ...durationIssues(options.ttlMs, options.ttlSeconds, 'options.ttlMs', 'options.ttlSeconds'),
    ...durationIssues(
      options.graceMs,
      options.graceSeconds,
      'options.graceMs',
      'options.graceSeconds',
    ),
  );
  if (options.jitter !== undefined && !(options.jitter >= 0 && options.jitter < 1)) {
    issues.push({
      variable: 'options.jitter',
      message: `must be in [0, 1), got ${options.jitter}`,
    });
  }
  if (options.prefix !== undefined && /[{}]/.test(options.prefix)) {
    issues.push({
      variable: 'options.prefix',
      message: 'must not contain { or } (they would become the hash tag of every key)',
    });
  }
  if (options.l1) {
    positiveInteger(options.l1.maxBytes, 'options.l1.maxBytes');
    positiveInteger(options.l1.maxEntries, 'options.l1.maxEntries');
    issues.push(
      ...durationIssues(
        options.l1.maxTtlMs,
        options.l1.maxTtlSeconds,
        'options.l1.maxTtlMs',
        'options.l1.maxTtlSeconds',
      ),
    );
  }
  const distributed = options.distributedSingleFlight;
  if (typeof distributed === 'object') {
    positiveInteger(distributed.lockTtlMs, 'options.distributedSingleFlight.lockTtlMs');
    positiveInteger(distributed.waitMs, 'options.distributedSingleFlight.waitMs');
    positiveInteger(
      distributed.maxPollIntervalMs,
      'options.distributedSingleFlight.maxPollIntervalMs',
    );
  }
  if (options.invalidation) {
    positiveInteger(
      options.invalidation.heartbeatIntervalMs,
      'options.invalidation.heartbeatIntervalMs',
    );
    positiveInteger(
      options.invalidation.heartbeatTimeoutMs,
      'options.invalidation.heartbeatTimeoutMs',
    );
    const lost = options.invalidation.onSubscriptionLost;
    if (lost !== undefined && lost !== 'flush') {
      positiveInteger(lost.capTtlMs, 'options.invalidation.onSubscriptionLost.capTtlMs');
    }
  }
  return issues;
}
