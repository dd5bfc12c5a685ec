import type { AddressInfo } from 'node:net';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { healthRouter, metricsHandler, type RateLimitMiddleware } from '@redgrid/express';
import { CacheService, RateLimitService, RedisConnectionService } from '@redgrid/nestjs';
import type { Express } from 'express';
import { WRITE_RATE_LIMIT } from '../http/write-rate-limit.js';
import { TaskRepository } from '../tasks/task-repository.js';
import { AppModule } from './app-module.js';
import {
  loadTaskflowSettings,
  type TaskflowEnv,
  type TaskflowSettings,
} from './taskflow-settings.js';

/** Options of {@link startTaskflow}. */
export interface StartTaskflowOptions {
  /** Where `REDIS_*`, `PORT`, `HOST` and `TASKFLOW_*` are read. Default `process.env`. */
  env?: TaskflowEnv;
  /** Overrides of the settings read from `env`. */
  settings?: Partial<TaskflowSettings>;
  /** Nest's logger setting. Default: Nest's console logger. */
  logger?: LoggerService | LogLevel[] | false;
  /** Close on SIGINT / SIGTERM (what a process wants, a test does not). Default false. */
  shutdownHooks?: boolean;
}

/** A running taskflow. */
export interface RunningTaskflow {
  readonly app: NestExpressApplication;
  readonly settings: TaskflowSettings;
  /** `http://<host>:<port>` actually listened on. */
  readonly url: string;
  /** Stops the HTTP server, then closes every Redis connection. */
  close(): Promise<void>;
}

/**
 * Starts the service: Nest on Express, the task API, `/health`, `/health/detailed` and
 * `/metrics` from `@redgrid/express`. It listens at once, whether or not Redis is reachable
 * (then it serves from memory and reports `degraded` until Redis answers).
 */
export async function startTaskflow(options: StartTaskflowOptions = {}): Promise<RunningTaskflow> {
  const settings = { ...loadTaskflowSettings(options.env ?? process.env), ...options.settings };
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(settings), {
    logger: options.logger ?? ['log', 'warn', 'error'],
    bufferLogs: false,
  });
  if (options.shutdownHooks) app.enableShutdownHooks();

  const connection = app.get(RedisConnectionService).connection;
  const components = {
    limiters: {
      'tasks-write': app.get<RateLimitMiddleware>(WRITE_RATE_LIMIT),
      'task-update': app.get(RateLimitService).limiter,
    },
    caches: { tasks: app.get(CacheService).cache },
    stores: app.get(TaskRepository).stores(),
  };
  app.use(healthRouter({ connection, ...components }));
  const server: Express = app.getHttpAdapter().getInstance();
  // Components publish on RedGrid's diagnostics channels: the handler needs only the connection.
  server.get('/metrics', metricsHandler({ connection }));

  await app.listen(settings.port, settings.host);
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    app,
    settings,
    url: `http://${host}:${address.port}`,
    close: () => app.close(),
  };
}
