import { ConfigError, type ConfigIssue } from '@redgrid/core';
import type { LimitProfile } from '../algorithm/limit-check.js';
import {
  isRateLimitAlgorithm,
  type RateLimitAlgorithm,
} from '../algorithm/rate-limit-algorithm.js';
import type { LimitOverride, RateLimiterOptions } from './rate-limiter-options.js';

// Bounds that keep every number exact in Lua doubles and in Redis integer replies.
export const MAX_LIMIT = 1_000_000_000;
export const MAX_WINDOW_MS = 10 * 365 * 24 * 3_600_000;

/** True for an integer from 1 to `max`. */
export function isPositiveInteger(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max;
}

/** Adds an issue for each invalid limit field (algorithm, limit, windowMs, burst, block, cost). */
export function checkProfileFields(
  fields: LimitOverride & { algorithm?: unknown; cost?: unknown },
  path: string,
  issues: ConfigIssue[],
): void {
  if (fields.algorithm !== undefined && !isRateLimitAlgorithm(fields.algorithm)) {
    issues.push({
      variable: `${path}.algorithm`,
      message: `must be 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket' or 'gcra', got ${String(fields.algorithm)}`,
    });
  }
  if (fields.limit !== undefined && !isPositiveInteger(fields.limit, MAX_LIMIT)) {
    issues.push({
      variable: `${path}.limit`,
      message: `must be an integer from 1 to ${MAX_LIMIT}, got ${String(fields.limit)}`,
    });
  }
  if (fields.windowMs !== undefined && !isPositiveInteger(fields.windowMs, MAX_WINDOW_MS)) {
    issues.push({
      variable: `${path}.windowMs`,
      message: `must be an integer number of ms from 1 to ${MAX_WINDOW_MS}, got ${String(fields.windowMs)}`,
    });
  }
  if (fields.burst !== undefined && !isPositiveInteger(fields.burst, MAX_LIMIT)) {
    issues.push({
      variable: `${path}.burst`,
      message: `must be an integer from 1 to ${MAX_LIMIT}, got ${String(fields.burst)}`,
    });
  }
  const block = fields.blockDurationMs;
  if (block !== undefined && !(block === 0 || isPositiveInteger(block, MAX_WINDOW_MS))) {
    issues.push({
      variable: `${path}.blockDurationMs`,
      message: `must be 0 (no block) or an integer number of ms up to ${MAX_WINDOW_MS}, got ${String(block)}`,
    });
  }
  if (fields.cost !== undefined && !isPositiveInteger(fields.cost, MAX_LIMIT)) {
    issues.push({
      variable: `${path}.cost`,
      message: `must be a positive integer, got ${String(fields.cost)}`,
    });
  }
}

/** Adds an issue unless `key` is a non-empty string. */
export function checkKey(key: unknown, variable: string, issues: ConfigIssue[]): void {
  if (typeof key !== 'string' || key.length === 0) {
    issues.push({ variable, message: 'must be a non-empty string' });
  }
}

/** Throws one `ConfigError` listing every issue, if any. */
export function throwIfAny(issues: ConfigIssue[]): void {
  if (issues.length > 0) throw new ConfigError(issues);
}

/** A frozen profile; the capacity is `burst` for token-bucket and gcra, `limit` otherwise. */
export function makeProfile(
  algorithm: RateLimitAlgorithm,
  limit: number,
  windowMs: number,
  burst: number | undefined,
  blockMs: number,
): LimitProfile {
  const capacity = algorithm === 'token-bucket' || algorithm === 'gcra' ? (burst ?? limit) : limit;
  return Object.freeze({
    algorithm,
    limit,
    windowMs,
    burst: capacity,
    blockMs,
  });
}

/**
 * The checks every Redis-backed counter's options start with (the limiter's, the throttler
 * counter's): an object, whose `connection.client` can run scripts. Throws at once for a
 * non-object; returns the issues found so far for the caller to add its own.
 */
export function connectionOptionIssues(options: unknown): ConfigIssue[] {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([{ variable: 'options', message: 'must be an object' }]);
  }
  const client = (options as { connection?: { client?: unknown } }).connection?.client;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof (client as { evalsha?: unknown }).evalsha !== 'function'
  ) {
    return [
      {
        variable: 'options.connection',
        message:
          'must be a RedisConnection from @redgrid/connection (or any object whose `client` is an ioredis Redis or Cluster)',
      },
    ];
  }
  return [];
}

/**
 * The key prefix, failure policy and in-memory share checks that the limiter's and the throttler
 * counter's options have in common.
 */
export function storeOptionIssues(options: {
  prefix?: unknown;
  failurePolicy?: unknown;
  memory?: { expectedInstances?: unknown } | undefined;
}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const prefix = options.prefix;
  if (prefix !== undefined && (typeof prefix !== 'string' || /[{}]/.test(prefix))) {
    issues.push({
      variable: 'options.prefix',
      message: 'must be a string without braces (hash tags belong in keys, not in the prefix)',
    });
  }
  const policy = options.failurePolicy;
  if (policy !== undefined && policy !== 'memory' && policy !== 'open' && policy !== 'closed') {
    issues.push({
      variable: 'options.failurePolicy',
      message: `must be 'memory', 'open' or 'closed', got ${String(policy)}`,
    });
  }
  const instances = options.memory?.expectedInstances;
  if (instances !== undefined && !isPositiveInteger(instances, 1e6)) {
    issues.push({
      variable: 'options.memory.expectedInstances',
      message: `must be a positive integer, got ${String(instances)}`,
    });
  }
  return issues;
}

/** Throws a `ConfigError` listing every invalid option of `createRateLimiter`. */
export function validateRateLimiterOptions(options: RateLimiterOptions): void {
  const issues = connectionOptionIssues(options);
  if (!isRateLimitAlgorithm(options.algorithm)) {
    issues.push({
      variable: 'options.algorithm',
      message: `must be 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket' or 'gcra', got ${String(options.algorithm)}`,
    });
  }
  if (options.limit === undefined) {
    issues.push({
      variable: 'options.limit',
      message: 'is required (units allowed per window)',
    });
  }
  if (options.windowMs === undefined) {
    issues.push({
      variable: 'options.windowMs',
      message: 'is required (window length in ms)',
    });
  }
  checkProfileFields(
    {
      limit: options.limit,
      windowMs: options.windowMs,
      ...(options.burst === undefined ? {} : { burst: options.burst }),
      ...(options.blockDurationMs === undefined
        ? {}
        : { blockDurationMs: options.blockDurationMs }),
    },
    'options',
    issues,
  );
  issues.push(...storeOptionIssues(options));
  const memory = options.memory;
  for (const field of ['maxEntries', 'maxBytes'] as const) {
    const value = memory?.[field];
    if (value !== undefined && !isPositiveInteger(value, Number.MAX_SAFE_INTEGER)) {
      issues.push({
        variable: `options.memory.${field}`,
        message: `must be a positive integer, got ${String(value)}`,
      });
    }
  }
  const blockCache = options.blockCache;
  if (
    typeof blockCache === 'object' &&
    blockCache !== null &&
    blockCache.maxEntries !== undefined &&
    !isPositiveInteger(blockCache.maxEntries, Number.MAX_SAFE_INTEGER)
  ) {
    issues.push({
      variable: 'options.blockCache.maxEntries',
      message: `must be a positive integer, got ${String(blockCache.maxEntries)}`,
    });
  }
  if (options.maxBatchSize !== undefined && !isPositiveInteger(options.maxBatchSize, 10_000)) {
    issues.push({
      variable: 'options.maxBatchSize',
      message: `must be an integer from 1 to 10000, got ${String(options.maxBatchSize)}`,
    });
  }
  throwIfAny(issues);
}
