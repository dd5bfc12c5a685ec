import { defineConfig, type RedisConfig, type RedisConfigInput } from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import { checkConnectionOptions } from '../options/check-connection-options.js';
import type { ConnectionOptions } from './connection-options.js';
import type { RedisConnection } from './redis-connection.js';
import { ResilientConnection } from './resilient-connection.js';

/** The ioredis client type a configuration produces: `Cluster` for a cluster, else `Redis`. */
export type ClientFor<Config extends RedisConfig | RedisConfigInput> = Config extends {
  type: 'cluster';
}
  ? Cluster
  : Config extends { type: 'single' | 'sentinel' }
    ? Redis
    : Redis | Cluster;

/**
 * Creates a resilient connection to Redis: single server, Cluster or Sentinel, chosen by
 * `config.type`, with the same application code for all three. The config may be a validated
 * `RedisConfig` (`defineConfig`, `loadConfigFromEnv`) or the input of `defineConfig`, which is
 * validated here. Bad input, in the config or in `options` (a negative or NaN duration, an
 * option that does not exist), throws one `ConfigError` naming each bad setting and the fix.
 *
 * Every command sent through `connection.client` (and `dedicated()` connections) passes the
 * circuit breaker, a deadline (`commandTimeoutMs`) and metrics. Nothing connects before the
 * first command when `lazyConnect` is on (the default); call `connect()` to connect eagerly.
 * Always `close()` the connection: it owns timers and sockets.
 *
 * @example
 * const connection = createConnection(loadConfigFromEnv(), { logger });
 * await connection.client.set('greeting', 'hello');
 * console.log(connection.health());
 * await connection.close();
 */
export function createConnection<Config extends RedisConfig | RedisConfigInput>(
  config: Config,
  options: ConnectionOptions = {},
): RedisConnection<ClientFor<Config>> {
  checkConnectionOptions(options);
  const validated = defineConfig(config as RedisConfigInput) as RedisConfig;
  return new ResilientConnection(validated, options) as unknown as RedisConnection<
    ClientFor<Config>
  >;
}
