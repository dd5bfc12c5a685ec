import { createConnection, type RedisConnection } from '@redgrid/connection';
import type { Address } from '@redgrid/core';

/** A connection tuned for tests: short deadlines so an outage is detected in well under a second. */
export function testConnection(
  target: { host: string; port: number } | { startupNodes: readonly Address[] },
  password?: string,
): RedisConnection {
  const common = {
    commandTimeoutMs: 300,
    connectTimeoutMs: 1_000,
    maxRetriesPerRequest: 1,
    ...(password === undefined ? {} : { password }),
  };
  return createConnection(
    'startupNodes' in target
      ? {
          type: 'cluster',
          options: {
            nodes: target.startupNodes.map(({ host, port }) => ({ host, port })),
            ...common,
          },
        }
      : { type: 'single', options: { host: target.host, port: target.port, ...common } },
    {
      healthCheckIntervalMs: 100,
      breaker: { consecutiveFailures: 2, openDurationMs: 300, maxOpenDurationMs: 1_000 },
    },
  );
}
