import { createConnection, type RedisConnection } from '@redgrid/connection';
import { ConfigError, loadConfigFromEnv } from '@redgrid/core';
import { redgridMetrics } from '@redgrid/observability';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimit } from '../rate-limit/rate-limit.js';
import { expressVersions } from '../test-support/express-versions.js';
import { metricsHandler } from './metrics-handler.js';

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

/** The metric names a scrape declares (`# TYPE` lines). */
function declared(body: string): string[] {
  return [...body.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? '').sort();
}

describe.each(expressVersions)('metricsHandler() on %s', (version, express) => {
  it("serves @redgrid/observability's metrics: every name, the connection and its commands", async () => {
    const limit = rateLimit({
      connection,
      limit: 2,
      windowMs: 60_000,
      prefix: `metrics-${version.replace(' ', '')}:`,
    });
    const handler = metricsHandler({ connection });
    const app = express();
    app.get('/limited', limit, (_req: Request, res: Response) => {
      res.send('ok');
    });
    app.get('/metrics', handler);
    try {
      for (let index = 0; index < 3; index++) await request(app).get('/limited');

      const response = await request(app).get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.text;
      // The same names as every other exporter of @redgrid/observability (the Nest module's too).
      expect(declared(body)).toEqual(redgridMetrics.map((metric) => metric.name).sort());
      expect(sample(body, /^redgrid_connection_up\{connection="redis"\} /)).toBe(1);
      expect(sample(body, /^redgrid_connection_state\{connection="redis",state="ready"\} /)).toBe(
        1,
      );
      expect(sample(body, /^redgrid_breaker_state\{name="redis"\} /)).toBe(0);
      expect(sample(body, /^redgrid_connection_nodes\{connection="redis"\} /)).toBe(1);
      // The limiter's scripts, counted from the moment the handler was created.
      const scripts = sample(
        body,
        /^redgrid_commands_total\{connection="redis",command="EVALSHA",outcome="success"\} /,
      );
      expect(scripts).toBeGreaterThanOrEqual(3);
      expect(
        sample(
          body,
          /^redgrid_command_duration_seconds_bucket\{connection="redis",command="EVALSHA",le="\+Inf"\} /,
        ),
      ).toBe(scripts);

      // Counters move between scrapes.
      await request(app).get('/limited');
      const again = (await request(app).get('/metrics').expect(200)).text;
      expect(
        sample(
          again,
          /^redgrid_commands_total\{connection="redis",command="EVALSHA",outcome="success"\} /,
        ),
      ).toBeGreaterThan(scripts);
    } finally {
      handler.close();
      limit.dispose();
    }
  });

  it('passes a failure to start to next(), and serves nothing', async () => {
    const registry = new Registry();
    const first = metricsHandler({ registry });
    const second = metricsHandler({ registry }); // the registry is taken by the first
    const errors: unknown[] = [];
    const app = express();
    app.get('/metrics', second);
    app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      errors.push(error);
      res.status(500).end();
    });
    try {
      await request(app).get('/metrics').expect(500);
      expect(ConfigError.isInstance(errors[0])).toBe(true);
      expect(await first.registry()).toBe(registry);
    } finally {
      first.close();
      second.close();
    }
  });
});

describe('metricsHandler({ registry })', () => {
  it("serves the application's registry with RedGrid's metrics added, and removes them on close()", async () => {
    const registry = new Registry();
    new Counter({ name: 'app_orders_total', help: 'orders', registers: [registry] });
    const handler = metricsHandler({ registry, connection, connectionName: 'main' });
    expect(await handler.registry()).toBe(registry);
    const body = await registry.metrics();
    expect(body).toContain('# TYPE app_orders_total counter');
    expect(body).toContain('redgrid_connection_nodes{connection="main"} 1');
    handler.close();
    await expect.poll(async () => declared(await registry.metrics())).toEqual(['app_orders_total']);
  });
});
