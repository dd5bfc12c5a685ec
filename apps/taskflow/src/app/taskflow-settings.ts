import { loadConfigFromEnv, type RedisConfig } from '@redgrid/core';

/** What the service runs with, read from the environment by {@link loadTaskflowSettings}. */
export interface TaskflowSettings {
  /** Redis: single, Cluster or Sentinel, from the `REDIS_*` variables (DESIGN.md names). */
  redis: RedisConfig;
  /** HTTP port (`PORT`, default 3000; 0 picks a free one). */
  port: number;
  /** Interface to listen on (`HOST`, default `127.0.0.1`; `0.0.0.0` for every interface). */
  host: string;
  /** Writes per client and window across `POST /tasks` and `PATCH /tasks/:id`. */
  writeLimit: { limit: number; windowMs: number };
}

/** Environment variables, as `process.env`. */
export type TaskflowEnv = Readonly<Record<string, string | undefined>>;

function positiveInteger(env: TaskflowEnv, name: string, fallback: number, min = 1): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * Reads the settings from the environment: the `REDIS_*` variables (throws `ConfigError`
 * listing every problem), `PORT`, `HOST`, `TASKFLOW_WRITE_LIMIT` (writes per window, default 60)
 * and `TASKFLOW_WRITE_WINDOW_MS` (default 60 000).
 */
export function loadTaskflowSettings(env: TaskflowEnv): TaskflowSettings {
  return {
    redis: loadConfigFromEnv(env),
    port: positiveInteger(env, 'PORT', 3000, 0),
    host: env.HOST?.trim() || '127.0.0.1',
    writeLimit: {
      limit: positiveInteger(env, 'TASKFLOW_WRITE_LIMIT', 60),
      windowMs: positiveInteger(env, 'TASKFLOW_WRITE_WINDOW_MS', 60_000),
    },
  };
}
