import { ConfigError, describeValue, OptionChecks } from '@redgrid/core';
import type { ConnectionOptions } from '../connection/connection-options.js';

const known = new Set([
  'name',
  'logger',
  'breaker',
  'healthCheckIntervalMs',
  'reconnectAfterFailedPings',
  'reconnect',
  'clusterRefreshIntervalMs',
  'metrics',
  'poolSize',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the `ConnectionOptions` given to `createConnection` and throws one `ConfigError`
 * naming every bad option (`options.poolSize: ...`) and what to give instead. An option left
 * out (or `undefined`) takes its default. Breaker options are checked by the breaker itself.
 */
export function checkConnectionOptions(options: unknown): void {
  const checks = new OptionChecks('options');
  const fail = (name: string, message: string, value: unknown) =>
    checks.problem(name, `${message}; got ${describeValue(value)}`);
  const duration = (name: string, value: unknown, fix: string) => {
    if (value === undefined) return;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return;
    fail(name, `must be a number of milliseconds >= 0 (${fix})`, value);
  };
  if (options === undefined) return;
  if (!isObject(options)) {
    throw new ConfigError([
      {
        variable: 'options',
        message: `must be an object of connection options (or left out); got ${describeValue(options)}`,
      },
    ]);
  }
  const given = options as ConnectionOptions & Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!known.has(key) && given[key] !== undefined) {
      checks.problem(
        key,
        `is not a connection option; the options are ${[...known].join(', ')} (the Redis settings go in the config, the first argument)`,
      );
    }
  }
  if (given.name !== undefined && (typeof given.name !== 'string' || given.name === '')) {
    fail('name', 'must be a non-empty string naming the connection in logs', given.name);
  }
  if (given.logger !== undefined) {
    const logger = given.logger as unknown;
    const methods = ['debug', 'info', 'warn', 'error'];
    if (!isObject(logger) || methods.some((method) => typeof logger[method] !== 'function')) {
      fail('logger', 'must have debug, info, warn and error methods (a pino logger fits)', logger);
    }
  }
  if (given.breaker !== undefined && !isObject(given.breaker)) {
    fail('breaker', 'must be an object of circuit breaker options', given.breaker);
  }
  duration('healthCheckIntervalMs', given.healthCheckIntervalMs, '0 disables the health check');
  duration('clusterRefreshIntervalMs', given.clusterRefreshIntervalMs, '0 disables the refresh');
  const failedPings = given.reconnectAfterFailedPings;
  if (
    failedPings !== undefined &&
    !(typeof failedPings === 'number' && Number.isInteger(failedPings) && failedPings >= 0)
  ) {
    fail(
      'reconnectAfterFailedPings',
      'must be an integer >= 0 (0 never replaces the socket)',
      failedPings,
    );
  }
  if (given.reconnect !== undefined) {
    if (isObject(given.reconnect)) {
      duration('reconnect.baseMs', given.reconnect.baseMs, 'the ceiling of the first delay');
      duration('reconnect.maxMs', given.reconnect.maxMs, 'the largest delay');
    } else {
      fail('reconnect', 'must be an object { baseMs, maxMs }', given.reconnect);
    }
  }
  if (given.metrics !== undefined) {
    if (!isObject(given.metrics)) fail('metrics', 'must be an object { onCommand }', given.metrics);
    else if (
      given.metrics.onCommand !== undefined &&
      typeof given.metrics.onCommand !== 'function'
    ) {
      fail(
        'metrics.onCommand',
        'must be a function (command, outcome, durationMs)',
        given.metrics.onCommand,
      );
    }
  }
  const poolSize = given.poolSize;
  if (
    poolSize !== undefined &&
    !(typeof poolSize === 'number' && Number.isInteger(poolSize) && poolSize >= 1)
  ) {
    fail('poolSize', 'must be an integer >= 1 (connections per server; 1 is no pool)', poolSize);
  }
  checks.throwIfAny();
}
