import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import type { ConnectionOptions } from '../connection/connection-options.js';
import { createConnection } from '../connection/create-connection.js';
import { checkConnectionOptions } from './check-connection-options.js';

const config = { type: 'single', options: { host: '127.0.0.1', port: 1 } } as const;

/** The issues of the ConfigError `createConnection` throws for `options`. */
function issuesOf(options: unknown): Array<{ variable: string; message: string }> {
  try {
    createConnection(config, options as ConnectionOptions);
  } catch (error) {
    expect(ConfigError.isInstance(error)).toBe(true);
    return [...(error as ConfigError).issues];
  }
  throw new Error('createConnection accepted the options');
}

describe('createConnection option checks', () => {
  it('names a negative or NaN duration and says what 0 means', () => {
    expect(issuesOf({ healthCheckIntervalMs: -1, clusterRefreshIntervalMs: Number.NaN })).toEqual([
      {
        variable: 'options.healthCheckIntervalMs',
        message: 'must be a number of milliseconds >= 0 (0 disables the health check); got -1',
      },
      {
        variable: 'options.clusterRefreshIntervalMs',
        message: 'must be a number of milliseconds >= 0 (0 disables the refresh); got NaN',
      },
    ]);
  });

  it('checks nested options: reconnect backoff and the metrics hook', () => {
    const issues = issuesOf({
      reconnect: { baseMs: Number.POSITIVE_INFINITY, maxMs: '2000' },
      metrics: { onCommand: 'count' },
    });
    expect(issues.map((issue) => issue.variable)).toEqual([
      'options.reconnect.baseMs',
      'options.reconnect.maxMs',
      'options.metrics.onCommand',
    ]);
    expect(issues[1]?.message).toContain('got "2000"');
  });

  it('refuses a pool size or a ping count that is not a whole number in range', () => {
    const issues = issuesOf({ poolSize: 0, reconnectAfterFailedPings: 1.5 });
    expect(issues).toEqual([
      {
        variable: 'options.reconnectAfterFailedPings',
        message: 'must be an integer >= 0 (0 never replaces the socket); got 1.5',
      },
      {
        variable: 'options.poolSize',
        message: 'must be an integer >= 1 (connections per server; 1 is no pool); got 0',
      },
    ]);
  });

  it('names an option that does not exist (a typo, or a Redis setting given as an option)', () => {
    const [issue] = issuesOf({ healthCheckInterval: 500 });
    expect(issue?.variable).toBe('options.healthCheckInterval');
    expect(issue?.message).toContain('is not a connection option');
  });

  it('refuses a logger without the four methods, an empty name and a non-object', () => {
    expect(issuesOf({ logger: console.log, name: '' }).map((issue) => issue.variable)).toEqual([
      'options.name',
      'options.logger',
    ]);
    expect(issuesOf(null)).toEqual([
      {
        variable: 'options',
        message: 'must be an object of connection options (or left out); got null',
      },
    ]);
  });

  it('reports an unknown topology in the config as a ConfigError too', () => {
    expect(() => createConnection({ type: 'ring', options: {} } as never)).toThrow(ConfigError);
  });

  it('accepts valid options and leaves undefined ones to their defaults', () => {
    expect(() =>
      checkConnectionOptions({
        name: 'cache',
        healthCheckIntervalMs: 0,
        reconnect: { baseMs: 10, maxMs: 1_000 },
        metrics: { onCommand: () => {} },
        poolSize: 2,
        logger: undefined,
      }),
    ).not.toThrow();
    expect(() => checkConnectionOptions(undefined)).not.toThrow();
  });
});
