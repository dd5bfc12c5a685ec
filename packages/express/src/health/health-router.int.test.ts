import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv, Secret } from '@redgrid/core';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressVersions } from '../test-support/express-versions.js';
import { healthRouter } from './health-router.js';

const password = 'pa55-w0rd-never-shown';
const token = 'health-token-0123456789';

describe('healthRouter() on a password-protected server', () => {
  let redis: StandaloneTopology;
  let connection: RedisConnection;

  beforeAll(async () => {
    redis = await startStandalone({ password });
    // The password comes in the environment (REDIS_PASSWORD), as in an application.
    connection = createConnection(loadConfigFromEnv(redis.env()));
    await connection.connect();
  });

  afterAll(async () => {
    await connection?.close();
    await redis?.stop();
  });

  describe.each(expressVersions)('%s', (_version, express) => {
    it('serves the basic body without details, and the detailed body of DESIGN.md', async () => {
      const app = express();
      app.use(healthRouter({ connection }));
      const basic = await request(app).get('/health').expect(200);
      expect(basic.headers['cache-control']).toBe('no-store');
      expect(basic.body).toEqual({
        status: 'ok',
        timestamp: expect.any(String),
        uptime: expect.any(Number),
        checks: [{ name: 'redis', status: 'healthy' }],
        overall: 'healthy',
      });
      const detailed = await request(app).get('/health/detailed').expect(200);
      expect(detailed.body).toMatchObject({
        status: 'ok',
        overall: 'healthy',
        checks: [
          {
            name: 'redis',
            status: 'healthy',
            message: expect.stringMatching(
              /^Redis connection is working \(latency: \d+ms, nodes: 1\)$/,
            ),
            details: {
              nodeCount: 1,
              circuitBreakerOpen: false,
              state: 'ready',
              topology: 'single',
            },
          },
        ],
      });
      expect(typeof detailed.body.checks[0].details.latency).toBe('number');
      expect(JSON.stringify(detailed.body)).not.toContain(password);
      await request(app).post('/health').expect(404);
      await request(app).get('/elsewhere').expect(404);
    });

    it('mounts under another path and a prefix', async () => {
      const app = express();
      app.use('/ops', healthRouter({ connection, path: '/status/' }));
      await request(app).get('/ops/status').expect(200);
      await request(app).get('/ops/status/detailed').expect(200);
      await request(app).get('/health').expect(404);
    });

    it('restricts the detailed route to a bearer token', async () => {
      const app = express();
      app.use('/a', healthRouter({ connection, detailed: { token: new Secret(token) } }));
      app.use('/b', healthRouter({ connection, detailed: { token, unauthorizedStatus: 404 } }));
      app.use('/c', healthRouter({ connection, detailed: false }));

      const missing = await request(app).get('/a/health/detailed').expect(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="health"');
      expect(JSON.stringify(missing.body)).not.toContain('redis');
      await request(app)
        .get('/a/health/detailed')
        .set('Authorization', `Bearer ${token}x`)
        .expect(401);
      await request(app).get('/a/health/detailed').set('Authorization', token).expect(401);
      const allowed = await request(app)
        .get('/a/health/detailed')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(allowed.body.checks[0].details.nodeCount).toBe(1);
      // The basic route stays open.
      await request(app).get('/a/health').expect(200);

      await request(app).get('/b/health/detailed').expect(404);
      await request(app)
        .get('/b/health/detailed')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      await request(app).get('/c/health/detailed').expect(404);
      await request(app).get('/c/health').expect(200);
    });
  });

  it('refuses a short token', () => {
    expect(() => healthRouter({ connection, detailed: { token: 'short' } })).toThrow(
      /options\.detailed\.token/,
    );
  });

  it('is degraded while Redis is down with a fallback, unhealthy (503) without one', async () => {
    const express = expressVersions[0]?.[1];
    if (express === undefined) throw new Error('no express');
    const app = express();
    app.use('/fallback', healthRouter({ connection }));
    app.use('/strict', healthRouter({ connection, fallback: false }));
    await redis.kill(redis.node);
    try {
      await redis.waitFor(() => !connection.isHealthy(), {
        timeoutMs: 30_000,
        message: 'connection notices the outage',
      });
      const degraded = await request(app).get('/fallback/health').expect(200);
      expect(degraded.body).toMatchObject({ status: 'ok', overall: 'degraded' });
      const unhealthy = await request(app).get('/strict/health/detailed').expect(503);
      expect(unhealthy.body).toMatchObject({ status: 'error', overall: 'unhealthy' });
      expect(unhealthy.body.checks[0].message).toMatch(/^Redis is unreachable/);
      expect(JSON.stringify(unhealthy.body)).not.toContain(password);
    } finally {
      await redis.restart(redis.node);
    }
    await redis.waitFor(() => connection.isHealthy(), {
      timeoutMs: 60_000,
      message: 'connection recovers',
    });
    await request(app).get('/strict/health').expect(200);
  }, 180_000);
});
