import { type RateLimitMiddleware, rateLimit } from '@redgrid/express';
import type { RedisConnectionService } from '@redgrid/nestjs';
import type { TaskflowSettings } from '../app/taskflow-settings.js';
import { keyPrefix } from '../tasks/task-repository.js';

/** Injection token of the Express `rateLimit()` middleware guarding the write routes. */
export const WRITE_RATE_LIMIT = Symbol('taskflow.WriteRateLimit');

/** Injection token of the {@link TaskflowSettings}. */
export const TASKFLOW_SETTINGS = Symbol('taskflow.Settings');

/**
 * The Express middleware from `@redgrid/express` that limits writes per client: reads pass
 * (`skip`), writes share one budget (`tasks-write`) in Redis across every instance, and while
 * Redis is down each instance keeps limiting from memory (`RateLimit-Degraded: memory`).
 */
export function createWriteRateLimit(
  redis: RedisConnectionService,
  settings: TaskflowSettings,
): RateLimitMiddleware {
  return rateLimit({
    connection: redis.connection,
    policy: 'tasks-write',
    limit: settings.writeLimit.limit,
    windowMs: settings.writeLimit.windowMs,
    prefix: `${keyPrefix}rl:`,
    skip: (request) => request.method === 'GET' || request.method === 'HEAD',
  });
}
