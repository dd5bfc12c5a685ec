import { fileURLToPath } from 'node:url';
import { defineConfig } from '@redgrid/core';
import type { RedisOptions } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  clusterRedirections,
  type IoredisPlan,
  keepAliveInitialDelayMs,
  type MappingContext,
  type ReconnectPath,
  toIoredisOptions,
} from './to-ioredis-options.js';

/** The options of a single-server or Sentinel plan (fails the test for a cluster plan). */
function redisOptions(plan: IoredisPlan): RedisOptions {
  if (plan.type === 'cluster') throw new Error('expected a Redis plan');
  return plan.options;
}

function context(overrides: Partial<MappingContext> = {}) {
  const calls: Array<[ReconnectPath, number]> = [];
  const value: MappingContext = {
    reconnectDelay: (path, attempt) => {
      calls.push([path, attempt]);
      return 42;
    },
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    clusterRefreshIntervalMs: 5_000,
    enableAutoPipelining: false,
    readFile: (path) => Buffer.from(`pem of ${path}`),
    ...overrides,
  };
  return { context: value, calls };
}

describe('toIoredisOptions', () => {
  it('maps a single server with every common option', () => {
    const config = defineConfig({
      type: 'single',
      options: {
        host: 'redis.internal',
        port: 6380,
        db: 2,
        username: 'app',
        password: 's3cret',
        connectTimeoutMs: 1_234,
        commandTimeoutMs: 999,
        family: 6,
        keepAlive: true,
        noDelay: false,
        connectionName: 'orders',
        enableReadyCheck: false,
        maxRetriesPerRequest: null,
        lazyConnect: false,
        maxLoadingTimeoutMs: 7_000,
      },
    });
    const { context: mapping, calls } = context({ enableAutoPipelining: true });
    const plan = toIoredisOptions(config, mapping);
    expect(plan.type).toBe('single');
    const options = redisOptions(plan);
    expect(options).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      db: 2,
      username: 'app',
      password: 's3cret',
      connectTimeout: 1_234,
      family: 6,
      keepAlive: keepAliveInitialDelayMs,
      noDelay: false,
      connectionName: 'orders',
      enableReadyCheck: false,
      maxRetriesPerRequest: null,
      lazyConnect: false,
      maxLoadingRetryTime: 7_000,
      enableOfflineQueue: true,
      enableAutoPipelining: true,
    });
    // The deadline is the connection's job (one sweeper), not a timer per command in ioredis.
    expect(options).not.toHaveProperty('commandTimeout');
    expect(options.retryStrategy?.(3)).toBe(42);
    expect(calls).toEqual([['server', 2]]);
    expect(options.reconnectOnError?.(new Error('READONLY You can not write'))).toBe(2);
  });

  it('leaves keep-alive off when disabled (a number would turn it on)', () => {
    const config = defineConfig({ type: 'single', options: { keepAlive: false } });
    expect(redisOptions(toIoredisOptions(config, context().context)).keepAlive).toBe(false);
  });

  it('maps TLS inline PEM, key material included', () => {
    const config = defineConfig({
      type: 'single',
      options: {
        tls: {
          servername: 'redis.example',
          rejectUnauthorized: false,
          ca: 'CA PEM',
          cert: 'CERT PEM',
          key: 'KEY',
        },
      },
    });
    const tls = redisOptions(toIoredisOptions(config, context().context)).tls;
    expect(tls).toEqual({
      servername: 'redis.example',
      rejectUnauthorized: false,
      ca: 'CA PEM',
      cert: 'CERT PEM',
      key: 'KEY',
    });
  });

  it('reads TLS files given by path (REDIS_TLS_CA / _CERT / _KEY)', () => {
    const existing = fileURLToPath(import.meta.url);
    const config = defineConfig({
      type: 'single',
      options: { tls: { caPath: existing, certPath: existing, keyPath: existing } },
    });
    const tls = redisOptions(toIoredisOptions(config, context().context)).tls;
    expect(tls).toEqual({
      rejectUnauthorized: true,
      ca: Buffer.from(`pem of ${existing}`),
      cert: Buffer.from(`pem of ${existing}`),
      key: Buffer.from(`pem of ${existing}`),
    });
  });

  it('maps Sentinel: sentinels, credentials of each side, TLS on both, every retry path', () => {
    const config = defineConfig({
      type: 'sentinel',
      options: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        name: 'orders',
        password: 'data-pass',
        sentinelUsername: 'watcher',
        sentinelPassword: 'sentinel-pass',
        tls: { ca: 'CA' },
        connectTimeoutMs: 3_000,
      },
    });
    const { context: mapping, calls } = context();
    const plan = toIoredisOptions(config, mapping);
    expect(plan.type).toBe('sentinel');
    const options = redisOptions(plan);
    expect(options).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'orders',
      role: 'master',
      password: 'data-pass',
      sentinelUsername: 'watcher',
      sentinelPassword: 'sentinel-pass',
      enableTLSForSentinelMode: true,
      sentinelTLS: { ca: 'CA', rejectUnauthorized: true },
      tls: { ca: 'CA', rejectUnauthorized: true },
      failoverDetector: false,
      sentinelCommandTimeout: 3_000,
    });
    options.retryStrategy?.(1);
    options.sentinelRetryStrategy?.(2);
    options.sentinelReconnectStrategy?.(3);
    expect(calls).toEqual([
      ['server', 0],
      ['sentinel', 1],
      ['sentinel-subscriber', 2],
    ]);
  });

  it('maps a cluster: node options for every discovered node, natMap, refresh, retries', () => {
    const config = defineConfig({
      type: 'cluster',
      options: {
        nodes: [{ host: '10.0.0.1', port: 7000 }],
        username: 'app',
        password: 'pass',
        scaleReads: 'slave',
        maxRedirections: 16,
        retryDelayOnClusterDownMs: 300,
        retryDelayOnFailoverMs: 100,
        enableOfflineQueue: false,
        natMap: { '10.0.0.1:7000': { host: 'localhost', port: 17000 } },
        tls: { ca: 'CA' },
        commandTimeoutMs: 5_000,
      },
    });
    const { context: mapping, calls } = context();
    const plan = toIoredisOptions(config, mapping);
    if (plan.type !== 'cluster') throw new Error('expected a cluster plan');
    expect(plan.startupNodes).toEqual([{ host: '10.0.0.1', port: 7000 }]);
    expect(plan.options).toMatchObject({
      scaleReads: 'slave',
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 300,
      natMap: { '10.0.0.1:7000': { host: 'localhost', port: 17000 } },
      slotsRefreshInterval: 5_000,
      // Queued until first ready; the connection restores `false` afterwards.
      enableOfflineQueue: true,
      lazyConnect: true,
      redisOptions: {
        username: 'app',
        password: 'pass',
        tls: { ca: 'CA', rejectUnauthorized: true },
      },
    });
    expect(plan.options.redisOptions).not.toHaveProperty('lazyConnect');
    expect(plan.options.maxRedirections).toBe(51);
    plan.options.clusterRetryStrategy?.(1, new Error('x'));
    expect(calls).toEqual([['cluster', 0]]);
  });

  it('sizes cluster retries to the command deadline, never below maxRedirections', () => {
    const base = defineConfig({ type: 'cluster', options: { nodes: [{ host: 'h', port: 1 }] } });
    expect(clusterRedirections({ ...base.options, commandTimeoutMs: 0 })).toBe(16);
    expect(clusterRedirections({ ...base.options, commandTimeoutMs: 500 })).toBe(16);
    expect(clusterRedirections({ ...base.options, commandTimeoutMs: 10_000 })).toBe(101);
  });
});
