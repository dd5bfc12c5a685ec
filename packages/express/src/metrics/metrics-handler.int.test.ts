import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { Request, Response } from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimit } from '../rate-limit/rate-limit.js';
import { ExpressRateLimitStore } from '../store/express-rate-limit-store.js';
import { expressVersions } from '../test-support/express-versions.js';
import { metricsHandler } from './metrics-handler.js';
import { registerMetrics } from './register-metrics.js';

let redis: StandaloneTopology;
let connection: RedisConnection;

beforeAll(async () => {
  redis = await startStandalone();
  connection = createConnection(loadConfigFromEnv(redis.env()));
  await connection.connect();
});

afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

function sample(body: string, line: RegExp): number {
  const match = body.split('\n').find((candidate) => line.test(candidate));
  if (match === undefined) throw new Error(`no sample matching ${line} in:\n${body}`);
  return Number(match.slice(match.lastIndexOf(' ') + 1));
}

describe.each(expressVersions)('metricsHandler() on %s', (version, express) => {
  it('serves connection, breaker, command, limiter, cache and store metrics', async () => {
    const limit = rateLimit({
      connection,
      limit: 2,
      windowMs: 60_000,
      prefix: `metrics-${version.replace(' ', '')}:`,
    });
    const store = new ExpressRateLimitStore({ connection, prefix: 'metrics-store:' });
    await store.increment('client');
    const cache = {
      metrics: () => ({
        l1Hits: 5,
        l2Hits: 3,
        misses: 2,
        staleHits: 1,
        fallbackReads: 0,
        fallbackWrites: 0,
        loads: 2,
        loadErrors: 0,
        l1Entries: 4,
        l1Bytes: 1024,
        degraded: false,
      }),
    };
    const app = express();
    app.get('/limited', limit, (_req: Request, res: Response) => {
      res.send('ok');
    });
    app.get(
      '/metrics',
      metricsHandler({
        connection,
        limiters: { api: limit },
        caches: { users: cache },
        stores: { erl: store },
      }),
    );
    for (let index = 0; index < 3; index++) await request(app).get('/limited');

    const response = await request(app).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = response.text;
    expect(sample(body, /^redgrid_redis_up\{connection="redis"\} /)).toBe(1);
    expect(
      sample(body, /^redgrid_redis_connection_state\{connection="redis",state="ready"\} /),
    ).toBe(1);
    expect(
      sample(body, /^redgrid_redis_connection_state\{connection="redis",state="down"\} /),
    ).toBe(0);
    expect(
      sample(body, /^redgrid_circuit_breaker_state\{connection="redis",state="closed"\} /),
    ).toBe(1);
    expect(sample(body, /^redgrid_redis_nodes\{connection="redis"\} /)).toBe(1);
    expect(
      sample(
        body,
        /^redgrid_redis_commands_total\{connection="redis",command="EVALSHA",outcome="success"\} /,
      ),
    ).toBeGreaterThan(0);
    expect(body).toContain('# TYPE redgrid_redis_command_duration_seconds histogram');
    const count = sample(
      body,
      /^redgrid_redis_command_duration_seconds_count\{connection="redis",command="EVALSHA"\} /,
    );
    expect(
      sample(
        body,
        /^redgrid_redis_command_duration_seconds_bucket\{connection="redis",command="EVALSHA",le="\+Inf"\} /,
      ),
    ).toBe(count);
    expect(
      sample(body, /^redgrid_rate_limit_checks_total\{limiter="api",decided_by="redis"\} /),
    ).toBe(3);
    expect(
      sample(body, /^redgrid_rate_limit_requests_total\{limiter="api",result="allowed"\} /),
    ).toBe(2);
    expect(
      sample(body, /^redgrid_rate_limit_requests_total\{limiter="api",result="rejected"\} /),
    ).toBe(1);
    expect(sample(body, /^redgrid_rate_limit_degraded\{limiter="api"\} /)).toBe(0);
    expect(sample(body, /^redgrid_cache_hits_total\{cache="users",level="l1"\} /)).toBe(5);
    expect(sample(body, /^redgrid_cache_l1_bytes\{cache="users"\} /)).toBe(1024);
    expect(
      sample(body, /^redgrid_store_operations_total\{store="erl",source="redis"\} /),
    ).toBeGreaterThan(0);

    // Values are read at scrape time.
    await request(app).get('/limited');
    const again = (await request(app).get('/metrics').expect(200)).text;
    expect(
      sample(again, /^redgrid_rate_limit_requests_total\{limiter="api",result="rejected"\} /),
    ).toBe(2);
    limit.dispose();
    store.shutdown();
  });
});

describe('registerMetrics()', () => {
  it('registers into an existing registry next to the application metrics, replacing itself', async () => {
    const registry = new Registry();
    await registerMetrics(registry, { connection, connectionName: 'main', prefix: 'app_redis_' });
    await registerMetrics(registry, { connection, connectionName: 'main', prefix: 'app_redis_' });
    const body = await registry.metrics();
    expect(body).toContain('app_redis_redis_up{connection="main"} 1');
    const handler = metricsHandler({ registry, connection, prefix: 'other_' });
    expect(await handler.registry()).toBe(registry);
    expect(await registry.metrics()).toContain('other_redis_up{connection="redis"} 1');
  });

  it('rejects an invalid prefix', async () => {
    await expect(registerMetrics(new Registry(), { prefix: 'bad-prefix' })).rejects.toThrow(
      /sources\.prefix/,
    );
  });
});
