import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { Request, Response } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthRouter } from '../health/health-router.js';
import { type ExpressFactory, expressVersions } from '../test-support/express-versions.js';
import { type RateLimitMiddleware, rateLimit } from './rate-limit.js';

let redis: StandaloneTopology;
let connection: RedisConnection;
const middlewares: RateLimitMiddleware[] = [];

beforeAll(async () => {
  redis = await startStandalone();
  connection = createConnection(loadConfigFromEnv(redis.env()));
  await connection.connect();
});

afterAll(async () => {
  for (const middleware of middlewares) middleware.dispose();
  await connection?.close();
  await redis?.stop();
});

/** An application on one Express major with the three failure policies and the health routes. */
function appOn(version: string, express: ExpressFactory) {
  const prefix = `outage-${version.replace(' ', '')}:`;
  const memory = rateLimit({ connection, limit: 3, windowMs: 60_000, prefix, policy: 'memory' });
  const open = rateLimit({
    connection,
    limit: 3,
    windowMs: 60_000,
    prefix,
    policy: 'open',
    failurePolicy: 'open',
  });
  const closed = rateLimit({
    connection,
    limit: 3,
    windowMs: 60_000,
    prefix,
    policy: 'closed',
    failurePolicy: 'closed',
  });
  middlewares.push(memory, open, closed);
  const app = express();
  const ok = (_req: Request, res: Response) => {
    res.send('ok');
  };
  app.get('/memory', memory, ok);
  app.get('/open', open, ok);
  app.get('/closed', closed, ok);
  app.use(healthRouter({ connection, limiters: { memory, open, closed } }));
  return { version, agent: request(app), memory, closed };
}

// One outage for every Express major: with the defaults, an outage costs a command deadline
// before the breaker opens, and a breaker backoff before it closes again.
describe('Redis stops and comes back', () => {
  it('keeps serving from the fallback with the degraded header on every Express major, then recovers', async () => {
    const apps = expressVersions.map(([version, express]) => appOn(version, express));
    for (const { agent } of apps) {
      const before = await agent.get('/health').expect(200);
      expect(before.body.overall).toBe('healthy');
      const first = await agent.get('/memory').expect(200);
      expect(first.headers['ratelimit-degraded']).toBeUndefined();
      expect(first.headers.ratelimit).toMatch(/r=2;/);
    }

    await redis.kill(redis.node);
    await redis.waitFor(() => !connection.isHealthy(), {
      timeoutMs: 30_000,
      message: 'connection notices the outage',
    });

    // open: allowed, uncounted. With the defaults a check first waits for Redis until the
    // command deadline; this concurrent burst makes the failures that open the breaker, after
    // which every policy answers at once.
    const burst = await Promise.all(
      apps.flatMap(({ agent }) => Array.from({ length: 5 }, () => agent.get('/open'))),
    );
    for (const served of burst) {
      expect(served.status).toBe(200);
      expect(served.headers['ratelimit-degraded']).toBe('open');
    }
    await redis.waitFor(() => connection.breaker.state === 'open', {
      timeoutMs: 60_000,
      message: 'breaker open',
    });

    for (const { agent, closed } of apps) {
      // memory: still limited, per process, and says so.
      for (let index = 0; index < 3; index++) {
        const served = await agent.get('/memory').expect(200);
        expect(served.headers['ratelimit-degraded']).toBe('memory');
        expect(served.headers.ratelimit).toMatch(/^"memory";r=\d+;t=\d+$/);
      }
      const limited = await agent.get('/memory').expect(429);
      expect(limited.headers['ratelimit-degraded']).toBe('memory');

      // closed: refused as unavailable (503), never as a 429.
      const refused = await agent.get('/closed').expect(503);
      expect(refused.headers['ratelimit-degraded']).toBe('closed');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.body.type).toMatch(/#temporary-reduced-capacity$/);
      expect(closed.stats()).toMatchObject({ refused: 1, rejected: 0 });

      const degraded = await agent.get('/health').expect(200);
      expect(degraded.body.overall).toBe('degraded');
      const detailed = await agent.get('/health/detailed').expect(200);
      expect(detailed.body.checks).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'redis', status: 'degraded' }),
          expect.objectContaining({ name: 'rate-limit:memory', status: 'degraded' }),
        ]),
      );
    }

    await redis.restart(redis.node);
    await redis.waitFor(() => connection.isHealthy(), {
      timeoutMs: 60_000,
      message: 'connection recovers',
    });
    for (const { version, agent, memory } of apps) {
      await redis.waitFor(
        async () => (await agent.get('/memory')).headers['ratelimit-degraded'] === undefined,
        { timeoutMs: 60_000, message: `limiter answers from Redis again (${version})` },
      );
      const recovered = await agent.get('/health').expect(200);
      expect(recovered.body.overall).toBe('healthy');
      expect(memory.stats().degraded).toBeGreaterThan(0);
    }
  }, 180_000);
});
