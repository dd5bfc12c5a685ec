import { type Environment, loadConfigFromEnv } from '../config/load-config-from-env.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
export function issuesOf(env: Environment): ConfigIssue[] {
  try {
    loadConfigFromEnv(env);
  } catch (error) {
    if (ConfigError.isInstance(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

export function errorOf(env: Environment): ConfigError {
  try {
    loadConfigFromEnv(env);
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
