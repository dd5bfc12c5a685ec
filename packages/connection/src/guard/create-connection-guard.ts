import type { CircuitBreaker, RedisConfig } from '@redgrid/core';
import { Command } from 'ioredis';
import type { CommandLike } from '../ioredis/internals.js';
import type { Logger } from '../logging/logger.js';
import type { CommandMetrics } from '../metrics/command-metrics.js';
import { CommandGuard } from './command-guard.js';
import type { CommandEvent } from './command-guard-options.js';

/**
 * The command guard of a connection, set up from its configuration: the command deadline, the
 * resend limit, the cluster retry delay, and the write fence (with `waitReplicas`, and always on
 * Sentinel, where writes are held during a failover even without WAIT).
 */
export function createConnectionGuard(options: {
  config: RedisConfig;
  connection: string;
  logger: Logger;
  breaker: CircuitBreaker;
  metrics: CommandMetrics;
  isFailure: (error: unknown) => boolean;
  onCommand: (event: CommandEvent) => void;
  translateError: (error: Error) => Error;
}): CommandGuard {
  const { config, connection, logger } = options;
  const { commandTimeoutMs, waitReplicas, waitTimeoutMs } = config.options;
  return new CommandGuard({
    breaker: options.breaker,
    commandTimeoutMs,
    metrics: options.metrics,
    isFailure: options.isFailure,
    onCommand: options.onCommand,
    translateError: options.translateError,
    // See toIoredisOptions: without a deadline, ioredis counts retries itself.
    maxResends: commandTimeoutMs > 0 ? config.options.maxRetriesPerRequest : null,
    ...(config.type === 'cluster'
      ? { clusterRetryDelayMs: config.options.retryDelayOnFailoverMs }
      : {}),
    // Sentinel: writes are held during a failover even without WAIT (see WriteFence).
    fence:
      waitReplicas > 0 || config.type === 'sentinel'
        ? {
            replicas: waitReplicas,
            timeoutMs: waitTimeoutMs,
            holdLimitMs: commandTimeoutMs > 0 ? commandTimeoutMs : 5_000,
            createWait: (replicas, timeoutMs) =>
              new Command('wait', [replicas, timeoutMs]) as unknown as CommandLike,
            onHoldExpired: () =>
              logger.warn(
                { connection },
                'redis failover not confirmed by +switch-master in time; releasing held writes',
              ),
          }
        : undefined,
  });
}
