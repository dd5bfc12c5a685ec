import { ConfigError } from '../errors/config-error.js';
import { issuesFromZod } from './config-issues.js';
import type { RedisConfig, RedisConfigInput } from './redis-config.js';
import { redisConfigSchema } from './redis-config-schema.js';

/**
 * Validates a Redis configuration written as an object, applies the defaults and wraps every
 * password and private key in a `Secret`. Use it for configuration that comes from code or a
 * config file; use `loadConfigFromEnv` for environment variables. The result type follows the
 * `type` you pass, so `defineConfig({ type: 'cluster', ... }).options.nodes` type-checks.
 *
 * Throws one `ConfigError` listing every problem by option path (`options.port`,
 * `options.nodes[1].host`), including unknown option names (typos). Gotcha: when TLS file paths
 * are given, their existence is checked (a synchronous stat); nothing else touches the system.
 *
 * @example
 * const config = defineConfig({ type: 'cluster', options: { nodes: [{ host: '10.0.0.1', port: 7000 }] } });
 */
export function defineConfig<Input extends RedisConfigInput>(
  input: Input,
): Extract<RedisConfig, { type: Input['type'] }> {
  const result = redisConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(issuesFromZod(result.error, input));
  return result.data as Extract<RedisConfig, { type: Input['type'] }>;
}
