import { exponentialBackoff, type RedisConfig } from '@redgrid/core';
import type { ReconnectOptions } from '../connection/connection-options.js';
import type { ReconnectPath } from './to-ioredis-options.js';

/** Delay before reconnect attempt `attempt` (0-based), per reconnect path. */
export type ReconnectBackoffs = Readonly<Record<ReconnectPath, (attempt: number) => number>>;

/**
 * The jittered exponential backoff of each reconnect path: data connections start at
 * `reconnect.baseMs` (default 50 ms; Sentinel: `retryDelayOnFailoverMs`) up to `maxMs`
 * (default 2 s); a Sentinel watcher subscription from 500 ms up to 10 s.
 */
export function reconnectBackoffs(
  config: RedisConfig,
  reconnect: ReconnectOptions | undefined,
): ReconnectBackoffs {
  const baseMs =
    reconnect?.baseMs ?? (config.type === 'sentinel' ? config.options.retryDelayOnFailoverMs : 50);
  const server = exponentialBackoff({ baseMs, maxMs: reconnect?.maxMs ?? 2_000 });
  return {
    server,
    cluster: server,
    sentinel: server,
    'sentinel-subscriber': exponentialBackoff({ baseMs: 500, maxMs: 10_000 }),
  };
}
