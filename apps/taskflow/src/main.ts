import { Logger } from '@nestjs/common';
import { ConfigError } from '@redgrid/core';
import { RedisConnectionService } from '@redgrid/nestjs';
import { describeRedis } from './app/describe-redis.js';
import { startTaskflow } from './app/start-taskflow.js';

// `pnpm demo` / `pnpm start`: taskflow against the Redis the REDIS_* variables describe (by
// default 127.0.0.1:6379), or in degraded in-memory mode when that Redis is not reachable.
const logger = new Logger('taskflow');

try {
  const taskflow = await startTaskflow({ shutdownHooks: true });
  const connection = taskflow.app.get(RedisConnectionService).connection;
  logger.log(`Listening on ${taskflow.url} (try: curl ${taskflow.url}/health/detailed)`);
  logger.log(`Redis: ${describeRedis(taskflow.settings.redis)}; every key under "taskflow:"`);
  try {
    await connection.connect({ timeoutMs: 3_000 });
    logger.log(`Redis is ${connection.state}`);
  } catch (error) {
    logger.warn(
      `Redis is not reachable (${error instanceof Error ? error.message : String(error)}): serving from memory (degraded) and reconnecting in the background`,
    );
  }
} catch (error) {
  if (ConfigError.isInstance(error)) {
    logger.error(error.message);
    process.exit(1);
  }
  throw error;
}
