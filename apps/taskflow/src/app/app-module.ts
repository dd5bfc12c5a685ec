import {
  type DynamicModule,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { RateLimitMiddleware } from '@redgrid/express';
import { RedisConnectionService, RedisModule } from '@redgrid/nestjs';
import {
  createWriteRateLimit,
  TASKFLOW_SETTINGS,
  WRITE_RATE_LIMIT,
} from '../http/write-rate-limit.js';
import { keyPrefix, TaskRepository } from '../tasks/task-repository.js';
import { TasksController } from '../tasks/tasks-controller.js';
import { IndexController } from './index-controller.js';
import type { TaskflowSettings } from './taskflow-settings.js';

/**
 * The taskflow application: `RedisModule` (connection, partitioning, cache, limiter) configured
 * from the settings, the task API, and the Express write limiter in front of it.
 */
@Module({})
export class AppModule implements NestModule, OnApplicationShutdown {
  readonly #writeLimit: RateLimitMiddleware;

  constructor(@Inject(WRITE_RATE_LIMIT) writeLimit: RateLimitMiddleware) {
    this.#writeLimit = writeLimit;
  }

  static forRoot(settings: TaskflowSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RedisModule.forRoot({
          config: settings.redis,
          connection: { name: 'taskflow' },
          // Every key under `taskflow:`. Writes made in memory during an outage are replayed by
          // TaskRepository (`discard` here: last-write-wins would keep version keys outside
          // the prefix).
          partitioning: { recovery: 'discard' },
          cache: {
            prefix: `${keyPrefix}cache:`,
            ttlMs: 60_000,
            // Tasks read recently stay readable through an outage: L1 keeps them (at most 30 s
            // stale once invalidation messages can be missed) and expired ones are served
            // within a 5 min grace while Redis is down.
            graceMs: 300_000,
            invalidation: { onSubscriptionLost: { capTtlMs: 30_000 } },
          },
          rateLimit: { prefix: `${keyPrefix}rl:` },
        }),
      ],
      controllers: [IndexController, TasksController],
      providers: [
        { provide: TASKFLOW_SETTINGS, useValue: settings },
        {
          provide: WRITE_RATE_LIMIT,
          inject: [RedisConnectionService, TASKFLOW_SETTINGS],
          useFactory: createWriteRateLimit,
        },
        TaskRepository,
      ],
      exports: [WRITE_RATE_LIMIT, TaskRepository],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(this.#writeLimit).forRoutes(TasksController);
  }

  onApplicationShutdown(): void {
    this.#writeLimit.dispose();
  }
}
