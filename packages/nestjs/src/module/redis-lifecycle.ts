import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CacheService } from '../cache/cache-service.js';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import { shutdown } from '../internal/shutdown.js';
import { RedisPartitioningService } from '../partitioning/redis-partitioning-service.js';
import { RateLimitService } from '../rate-limit/rate-limit-service.js';
import type { RedisModuleOptions } from './redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from './tokens.js';

const defaultShutdownTimeoutMs = 5_000;

/**
 * Connects when the application starts and releases everything on shutdown, in dependency
 * order (cache, limiter, partitioning, then the main connection), within `shutdownTimeoutMs`.
 * Internal to the module.
 */
@Injectable()
export class RedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #options: RedisModuleOptions;
  readonly #connection: RedisConnectionService;
  readonly #partitioning: RedisPartitioningService;
  readonly #rateLimits: RateLimitService;
  readonly #cache: CacheService;
  readonly #logger = new Logger('RedGrid');
  #closed: Promise<void> | undefined;

  constructor(
    @Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions,
    @Inject(RedisConnectionService) connection: RedisConnectionService,
    @Inject(RedisPartitioningService) partitioning: RedisPartitioningService,
    @Inject(RateLimitService) rateLimits: RateLimitService,
    @Inject(CacheService) cache: CacheService,
  ) {
    this.#options = options;
    this.#connection = connection;
    this.#partitioning = partitioning;
    this.#rateLimits = rateLimits;
    this.#cache = cache;
  }

  async onApplicationBootstrap(): Promise<void> {
    const mode = this.#options.connectOnStart ?? 'background';
    if (mode === false) return;
    const connecting = this.#connection.connection.connect();
    if (mode === 'wait') {
      await connecting;
      return;
    }
    connecting.catch((error: unknown) => {
      if (this.#closed !== undefined) return; // closed before it connected: nothing to report
      this.#logger.warn(
        `Redis is not reachable yet (${error instanceof Error ? error.message : String(error)}); serving from the in-memory fallback until it is`,
      );
    });
  }

  onApplicationShutdown(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const timeoutMs = this.#options.shutdownTimeoutMs ?? defaultShutdownTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const remaining = () => Math.max(0, deadline - Date.now());
    const connection = this.#connection.connection;
    const connected = connection.state === 'ready' || connection.state === 'degraded';
    const steps: Array<() => Promise<void>> = [
      () => this.#cache[shutdown](),
      () => this.#rateLimits[shutdown](),
      () => this.#partitioning[shutdown](remaining()),
      // QUIT can only drain a connected socket; while Redis is unreachable close at once.
      () => connection.close({ timeoutMs: connected ? remaining() : 0 }),
    ];
    if (connected) {
      // Dependants first, so that their last commands still reach Redis.
      for (const step of steps) await this.#bounded(step, remaining(), timeoutMs);
    } else {
      // Nothing to drain: release everything together (closing the connection also ends what
      // the cache may still be waiting for).
      await this.#bounded(
        async () => {
          await Promise.all(
            steps.map((step) => step().catch((error: unknown) => this.#failed(error))),
          );
        },
        remaining(),
        timeoutMs,
      );
    }
  }

  async #bounded(step: () => Promise<void>, budgetMs: number, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), budgetMs);
    });
    try {
      const outcome = await Promise.race([step().then(() => 'done' as const), expired]);
      if (outcome === 'timeout') {
        this.#logger.warn(`Redis shutdown exceeded ${timeoutMs}ms; closing the rest at once`);
      }
    } catch (error) {
      this.#failed(error);
    } finally {
      clearTimeout(timer);
    }
  }

  #failed(error: unknown): void {
    this.#logger.warn(
      `Redis shutdown step failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
