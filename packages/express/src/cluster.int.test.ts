import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { type ClusterTopology, sendCommand, startCluster } from '@redgrid/redis-harness';
import type { Request, Response } from 'express';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthRouter } from './health/health-router.js';
import { rateLimit } from './rate-limit/rate-limit.js';
import { ExpressRateLimitStore } from './store/express-rate-limit-store.js';
import { expressVersions } from './test-support/express-versions.js';

// The same adapters against a Redis Cluster (3 masters + 3 replicas): only the configuration
// differs from the standalone tests.
let cluster: ClusterTopology;
let connection: RedisConnection;

beforeAll(async () => {
  cluster = await startCluster();
  connection = createConnection(loadConfigFromEnv(cluster.env()));
  await connection.connect();
  await cluster.waitFor(
    () => connection.health().nodeCount === 6 && connection.health().clusterState === 'ok',
    { timeoutMs: 60_000, message: 'every node known and cluster state ok' },
  );
});

afterAll(async () => {
  await connection?.close();
  await cluster?.stop();
});

describe.each(expressVersions)('on a cluster with %s', (version, express) => {
  const tag = version.replace(' ', '');

  it('rate-limits many clients spread over every master', async () => {
    const app = express();
    app.set('trust proxy', 'loopback');
    const limit = rateLimit({ connection, limit: 2, windowMs: 60_000, prefix: `cluster-${tag}:` });
    app.get('/hello', limit, (_req: Request, res: Response) => {
      res.send('ok');
    });
    for (let client = 1; client <= 20; client++) {
      const address = `198.51.100.${client}`;
      await request(app).get('/hello').set('X-Forwarded-For', address).expect(200);
      await request(app).get('/hello').set('X-Forwarded-For', address).expect(200);
      const rejected = await request(app).get('/hello').set('X-Forwarded-For', address).expect(429);
      expect(rejected.headers['ratelimit-degraded']).toBeUndefined();
    }
    expect(limit.limiter.stats()).toMatchObject({ degraded: false, memory: 0 });
    // The 20 clients' counters are spread over the masters: each one holds some of them.
    const masters = await cluster.masters();
    expect(masters).toHaveLength(3);
    const perMaster = await Promise.all(
      masters.map(async (master) => {
        const keys = await sendCommand(master, ['KEYS', `cluster-${tag}:*`]);
        return Array.isArray(keys) ? keys.length : 0;
      }),
    );
    expect(perMaster.reduce((sum, count) => sum + count, 0)).toBe(20);
    for (const count of perMaster) expect(count).toBeGreaterThan(0);
    limit.dispose();
  });

  it('backs express-rate-limit with ExpressRateLimitStore', async () => {
    const app = express();
    app.set('trust proxy', 'loopback');
    const store = new ExpressRateLimitStore({ connection, prefix: `cluster-erl-${tag}:` });
    app.use(expressRateLimit({ windowMs: 60_000, limit: 1, store }));
    app.get('/', (_req: Request, res: Response) => {
      res.send('ok');
    });
    for (let client = 1; client <= 10; client++) {
      const address = `203.0.113.${client}`;
      await request(app).get('/').set('X-Forwarded-For', address).expect(200);
      await request(app).get('/').set('X-Forwarded-For', address).expect(429);
    }
    expect(store.stats()).toMatchObject({ degraded: false, memory: 0 });
    store.shutdown();
  });

  it('reports the node count and the cluster state', async () => {
    const app = express();
    app.use(healthRouter({ connection }));
    const detailed = await request(app).get('/health/detailed').expect(200);
    expect(detailed.body.overall).toBe('healthy');
    expect(detailed.body.checks[0]).toMatchObject({
      message: expect.stringMatching(/nodes: 6\)$/),
      details: {
        nodeCount: 6,
        masterCount: 3,
        clusterState: 'ok',
        topology: 'cluster',
        circuitBreakerOpen: false,
      },
    });
  });
});
