import { createRequire } from 'node:module';
import {
  Controller,
  Get,
  type INestApplication,
  Inject,
  Injectable,
  Logger,
  Module,
  UseGuards,
} from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { Throttle, ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { loadConfigFromEnv } from '@redgrid/core';
import {
  acquirePort,
  type ClusterTopology,
  type SentinelTopology,
  type StandaloneTopology,
  sendCommand,
  startCluster,
  startSentinel,
  startStandalone,
} from '@redgrid/redis-harness';
import { Cluster, Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CacheService } from '../cache/cache-service.js';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import { RedisHealthIndicator } from '../health/redis-health-indicator.js';
import { RedisPartitioningService } from '../partitioning/redis-partitioning-service.js';
import { RateLimit } from '../rate-limit/rate-limit-decorator.js';
import { RateLimitService } from '../rate-limit/rate-limit-service.js';
import { RedisThrottlerStorage } from '../throttler/redis-throttler-storage.js';
import { RedisModule } from './redis-module.js';
import type { RedisModuleOptions } from './redis-module-options.js';

const terminusMajor = Number(
  (
    createRequire(import.meta.url)('@nestjs/terminus/package.json') as { version: string }
  ).version.split('.')[0],
);

// Vitest's transform emits no decorator metadata: every constructor parameter has an @Inject.

@Controller('limited')
class LimitedController {
  @Get()
  @RateLimit({ limit: 2, windowMs: 60_000 })
  get() {
    return { ok: true };
  }

  @Get('per-user')
  @RateLimit({
    limit: 1,
    windowMs: 60_000,
    name: 'per-user',
    key: (request) => String(request.headers['x-user'] ?? 'anonymous'),
  })
  perUser() {
    return { ok: true };
  }
}

@Controller('layered')
@RateLimit({ limit: 100, windowMs: 60_000, name: 'layered-class' })
class LayeredController {
  @Get('own')
  @RateLimit({ limit: 3, windowMs: 60_000, name: 'layered-method' })
  own() {
    return { ok: true };
  }

  @Get('inherited')
  inherited() {
    return { ok: true };
  }
}

@Controller('health')
class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(RedisHealthIndicator) private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.redis.isHealthy('redis')]);
  }

  @Get('detailed')
  detailed() {
    return this.redis.report();
  }
}

@Controller('throttled')
@UseGuards(ThrottlerGuard)
class ThrottledController {
  @Get()
  @Throttle({ default: { limit: 2, ttl: 60_000 } })
  get() {
    return { ok: true };
  }
}

/** A provider of another module, consumed by forRootAsync's factory. */
@Injectable()
class SettingsService {
  readonly prefix = 'async-prefix:';
}

@Module({ providers: [SettingsService], exports: [SettingsService] })
class SettingsModule {}

async function createApp(redisModule: ReturnType<typeof RedisModule.forRoot>) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      redisModule,
      TerminusModule,
      ThrottlerModule.forRootAsync({
        inject: [RedisThrottlerStorage],
        useFactory: (storage: RedisThrottlerStorage) => ({
          throttlers: [{ limit: 10, ttl: 60_000 }],
          storage,
        }),
      }),
    ],
    controllers: [LimitedController, LayeredController, HealthController, ThrottledController],
  }).compile();
  const app = moduleRef.createNestApplication({
    logger: process.env.TEST_NEST_LOG ? ['error', 'warn'] : false,
  });
  await app.init();
  return app;
}

async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('RedisModule against a standalone server', () => {
  let redis: StandaloneTopology;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    redis = await startStandalone();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    vi.unstubAllEnvs();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('injects working services configured from the environment (forRoot with no options)', async () => {
    for (const [name, value] of Object.entries(redis.env())) vi.stubEnv(name, value);
    app = await createApp(RedisModule.forRoot());
    const connection = app.get(RedisConnectionService);
    await waitUntil(() => connection.isHealthy(), 30_000, 'the connection to be healthy');
    expect(connection.getClient()).toBeInstanceOf(Redis);
    expect(connection.health().currentMaster).toEqual({ host: '127.0.0.1', port: redis.port });

    const partitioning = app.get(RedisPartitioningService);
    await partitioning.getConnectionForKey('user:123').set('user:123', 'ada');
    expect(await connection.getClient().get('user:123')).toBe('ada');
    const stored = await partitioning.getStoreForKey('task:1').set('task:1', 'x');
    expect(stored.source).toBe('redis');

    const cache = app.get(CacheService);
    await cache.set('user:123:profile', { name: 'Ada' }, 300);
    expect(await cache.get('user:123:profile')).toEqual({ name: 'Ada' });
    let loads = 0;
    const load = () => {
      loads++;
      return { answer: 42 };
    };
    expect(await cache.getOrSet('answer', load)).toEqual({ answer: 42 });
    expect(await cache.getOrSet('answer', load)).toEqual({ answer: 42 });
    expect(loads).toBe(1);

    const rateLimits = app.get(RateLimitService);
    const limits = { limit: 2, windowMs: 60_000 };
    const results = [];
    for (let index = 0; index < 3; index++) {
      results.push(await rateLimits.checkRateLimit('api:user', limits, 'user:123'));
    }
    expect(results.map((result) => result.allowed)).toEqual([true, true, false]);
    expect(results[2]?.degraded).toBe(false);
  });

  it('@RateLimit() sets the RateLimit headers and answers 429 with Retry-After', async () => {
    app = await createApp(RedisModule.forRoot({ config: loadConfigFromEnv(redis.env()) }));
    const server = app.getHttpServer();
    const first = await request(server).get('/limited').expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"LimitedController.get";q=2;w=60');
    expect(first.headers.ratelimit).toMatch(/^"LimitedController\.get";r=1;t=\d+$/);
    await request(server).get('/limited').expect(200);
    const refused = await request(server).get('/limited').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers.ratelimit).toBe(
      `"LimitedController.get";r=0;t=${refused.headers['retry-after']}`,
    );
    expect(refused.body).toMatchObject({ statusCode: 429, message: 'Too Many Requests' });
    expect(refused.headers['ratelimit-degraded']).toBeUndefined();

    // A custom key limits per user, not per address.
    await request(server).get('/limited/per-user').set('x-user', 'ada').expect(200);
    await request(server).get('/limited/per-user').set('x-user', 'ada').expect(429);
    await request(server).get('/limited/per-user').set('x-user', 'grace').expect(200);

    // The counters live in Redis, under the limiter's prefix.
    const keys = await app.get(RedisConnectionService).getClient().keys('rl:*');
    expect(keys.some((key) => key.includes('LimitedController.get'))).toBe(true);
  });

  it("lets a method's @RateLimit() replace its controller's, counting each request once", async () => {
    app = await createApp(RedisModule.forRoot({ config: loadConfigFromEnv(redis.env()) }));
    const server = app.getHttpServer();
    for (let index = 0; index < 3; index++) {
      const allowed = await request(server).get('/layered/own').expect(200);
      expect(allowed.headers['ratelimit-policy']).toBe('"layered-method";q=3;w=60');
    }
    await request(server).get('/layered/own').expect(429);
    const inherited = await request(server).get('/layered/inherited').expect(200);
    expect(inherited.headers.ratelimit).toMatch(/^"layered-class";r=99;t=\d+$/);
  });

  it('backs @nestjs/throttler with RedisThrottlerStorage', async () => {
    app = await createApp(RedisModule.forRoot({ config: loadConfigFromEnv(redis.env()) }));
    const server = app.getHttpServer();
    const first = await request(server).get('/throttled').expect(200);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    await request(server).get('/throttled').expect(200);
    const refused = await request(server).get('/throttled').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const keys = await app.get(RedisConnectionService).getClient().keys('rl:*throttler:default:*');
    expect(keys.length).toBeGreaterThan(0);
  });

  it('reports health to terminus and as the RedGrid health body', async () => {
    app = await createApp(RedisModule.forRoot({ config: loadConfigFromEnv(redis.env()) }));
    const connection = app.get(RedisConnectionService);
    await waitUntil(() => connection.health().latencyMs !== undefined, 30_000, 'a health check');
    const server = app.getHttpServer();
    const terminus = await request(server).get('/health').expect(200);
    expect(terminus.body).toMatchObject({
      status: 'ok',
      info: { redis: { status: 'up', nodeCount: 1, circuitBreakerOpen: false } },
    });
    const detailed = await request(server).get('/health/detailed').expect(200);
    expect(detailed.body).toMatchObject({
      status: 'ok',
      overall: 'healthy',
      checks: [
        {
          name: 'redis',
          status: 'healthy',
          details: { nodeCount: 1, circuitBreakerOpen: false },
        },
      ],
    });
    expect(detailed.body.checks[0].message).toMatch(
      /^Redis connection is working \(latency: \d+ms, nodes: 1\)$/,
    );
    expect(typeof detailed.body.uptime).toBe('number');
    expect(Number.isNaN(Date.parse(detailed.body.timestamp))).toBe(false);
  });

  it('forRootAsync computes the options from injected providers', async () => {
    const factory = vi.fn(
      (settings: SettingsService): RedisModuleOptions => ({
        config: loadConfigFromEnv(redis.env()),
        rateLimit: { prefix: settings.prefix },
      }),
    );
    app = await createApp(
      RedisModule.forRootAsync({
        imports: [SettingsModule],
        inject: [SettingsService],
        useFactory: factory,
      }),
    );
    expect(factory).toHaveBeenCalledOnce();
    // A window long enough that the key is still there when it is looked for.
    await app.get(RateLimitService).check('async-key', { limit: 5, windowMs: 60_000 });
    const keys = await app.get(RedisConnectionService).getClient().keys('async-prefix:*');
    expect(keys.length).toBe(1);
  });

  it('closes every connection on application shutdown, draining it with QUIT', async () => {
    const quits = async () => {
      const info = String(await sendCommand(redis, ['INFO', 'commandstats']));
      return Number(/cmdstat_quit:calls=(\d+)/.exec(info)?.[1] ?? 0);
    };
    const warnings = vi.spyOn(Logger.prototype, 'warn');
    try {
      const local = await createApp(
        RedisModule.forRoot({ config: loadConfigFromEnv(redis.env()), shutdownTimeoutMs: 10_000 }),
      );
      const connection = local.get(RedisConnectionService);
      await local.get(CacheService).set('before-shutdown', 1);
      await local.get(RateLimitService).check('before-shutdown');
      const quitsBefore = await quits();
      await local.close();
      expect(connection.connection.state).toBe('closed');
      // Closed gracefully: QUIT reached the server, and no step ran into the shutdown timeout.
      expect(await quits()).toBeGreaterThan(quitsBefore);
      expect(warnings.mock.calls.flat().join('\n')).not.toMatch(/shutdown/);
      await expect(connection.getClient().get('x')).rejects.toThrow();
    } finally {
      warnings.mockRestore();
    }
  });

  it('starts and serves degraded while Redis is unreachable', async () => {
    // A port nothing listens on, held by this process for the test (no server can take it).
    const lease = await acquirePort();
    try {
      app = await createApp(
        RedisModule.forRoot({
          config: loadConfigFromEnv({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(lease.port) }),
        }),
      );
      const connection = app.get(RedisConnectionService).connection;
      // With the defaults a command waits for Redis until its deadline before the fallback
      // answers; a concurrent burst makes the failures that open the breaker, after which every
      // service answers from memory at once.
      await Promise.allSettled(
        Array.from({ length: 10 }, (_, index) => connection.client.get(`burst:${index}`)),
      );
      await waitUntil(() => connection.breaker.state === 'open', 60_000, 'the breaker to open');
      const server = app.getHttpServer();
      // The limiter falls back to memory: still limiting, flagged degraded.
      const first = await request(server).get('/limited').expect(200);
      expect(first.headers['ratelimit-degraded']).toBe('memory');
      await request(server).get('/limited').expect(200);
      await request(server).get('/limited').expect(429);
      const cache = app.get(CacheService);
      await cache.set('offline', { ok: true });
      expect(await cache.get('offline')).toEqual({ ok: true });
      const detailed = await request(server).get('/health/detailed').expect(200);
      expect(detailed.body.overall).toBe('degraded');
      const terminus = await request(server).get('/health').expect(200);
      // Terminus 12 reports the fallback as degraded; terminus 11 has no such status (up: ok).
      expect(terminus.body.status).toBe(terminusMajor >= 12 ? 'degraded' : 'ok');
      // Shutdown completes though there is nothing to drain.
      await app.close();
      app = undefined;
      expect(connection.state).toBe('closed');
    } finally {
      lease.release();
    }
  }, 180_000);
});

describe('RedisModule against a Redis Cluster', () => {
  let redis: ClusterTopology;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    redis = await startCluster();
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('uses the cluster through every service', async () => {
    app = await createApp(RedisModule.forRoot({ config: loadConfigFromEnv(redis.env()) }));
    const connection = app.get(RedisConnectionService);
    expect(connection.getClient()).toBeInstanceOf(Cluster);
    await waitUntil(() => connection.health().nodeCount >= 3, 30_000, 'the cluster nodes');

    const partitioning = app.get(RedisPartitioningService);
    expect(partitioning.partitioned.mode).toBe('cluster');
    for (let index = 0; index < 20; index++) {
      await partitioning.getConnectionForKey(`user:${index}`).set(`user:${index}`, String(index));
    }
    expect(await connection.getClient().get('user:7')).toBe('7');

    const cache = app.get(CacheService);
    await cache.set('profile', { cluster: true }, 60);
    expect(await cache.get('profile')).toEqual({ cluster: true });

    const server = app.getHttpServer();
    await request(server).get('/limited').expect(200);
    await request(server).get('/limited').expect(200);
    await request(server).get('/limited').expect(429);

    const detailed = await request(server).get('/health/detailed').expect(200);
    // Masters plus the replicas ioredis holds connections to at the moment (3 to 6).
    expect(detailed.body.checks[0].details).toMatchObject({
      topology: 'cluster',
      clusterState: 'ok',
    });
    expect(detailed.body.checks[0].details.nodeCount).toBeGreaterThanOrEqual(3);
    expect(detailed.body.checks[0].message).toMatch(/nodes: [3-6]\)$/);
  });
});

describe('RedisModule against Sentinel', () => {
  let redis: SentinelTopology;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    redis = await startSentinel();
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('uses the master the sentinels report', async () => {
    app = await createApp(RedisModule.forRoot({ config: loadConfigFromEnv(redis.env()) }));
    const connection = app.get(RedisConnectionService);
    await waitUntil(() => connection.isHealthy(), 30_000, 'the connection to be healthy');
    const master = await redis.master();
    expect(connection.health().currentMaster).toEqual({ host: master.host, port: master.port });
    await app.get(CacheService).set('sentinel', 'yes');
    expect(await app.get(CacheService).get('sentinel')).toBe('yes');
    const server = app.getHttpServer();
    await request(server).get('/limited').expect(200);
    const detailed = await request(server).get('/health/detailed').expect(200);
    expect(detailed.body.checks[0].details).toMatchObject({
      topology: 'sentinel',
      master: `${master.host}:${master.port}`,
    });
  });
});
