import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfigFromEnv } from '@redgrid/core';
import { type RedGridMetrics, redgridMetrics } from '@redgrid/observability';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { Redis } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnectionService } from '../connection/redis-connection-service.js';
import { RedisModule } from '../module/redis-module.js';
import { RedisMetricsModule } from './redis-metrics-module.js';
import type { RedisMetricsModuleOptions } from './redis-metrics-module-options.js';
import { REDIS_METRICS } from './tokens.js';

let redis: StandaloneTopology;
let app: INestApplication | undefined;

beforeAll(async () => {
  redis = await startStandalone();
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

afterAll(async () => {
  await redis?.stop();
});

async function start(options?: RedisMetricsModuleOptions, connectionName?: string) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        config: loadConfigFromEnv(redis.env()),
        ...(connectionName === undefined ? {} : { connection: { name: connectionName } }),
      }),
      RedisMetricsModule.forRoot(options),
    ],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const service = app.get(RedisConnectionService);
  await service.connection.connect();
  return { app, client: service.getClient() as Redis };
}

function sample(body: string, line: RegExp): number {
  const match = body.split('\n').find((candidate) => line.test(candidate));
  if (match === undefined) throw new Error(`no sample matching ${line} in:\n${body}`);
  return Number(match.slice(match.lastIndexOf(' ') + 1));
}

/** The metric names a scrape declares (`# TYPE` lines). */
function declared(body: string): string[] {
  return [...body.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? '').sort();
}

describe('RedisMetricsModule', () => {
  it("serves GET /metrics with the Express handler's names, RedisModule's connection included", async () => {
    const { app, client } = await start();
    await client.set('metrics:key', 'value');
    await client.get('metrics:key');

    const response = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.text;
    // The same list @redgrid/express's metricsHandler() test checks: both adapters agree.
    expect(declared(body)).toEqual(redgridMetrics.map((metric) => metric.name).sort());
    expect(
      sample(
        body,
        /^redgrid_commands_total\{connection="redis",command="SET",outcome="success"\} /,
      ),
    ).toBe(1);
    expect(sample(body, /^redgrid_connection_nodes\{connection="redis"\} /)).toBe(1);
    expect(sample(body, /^redgrid_connection_state\{connection="redis",state="ready"\} /)).toBe(1);
    expect(body).not.toContain('metrics:key');
  });

  it('serves a given registry on another path, under the connection name, with ioredis tracing, and stops with the app', async () => {
    const registry = new Registry();
    new Counter({ name: 'app_orders_total', help: 'orders', registers: [registry] });
    const started = await start(
      { path: 'internal/metrics', registry, ioredisTracing: true },
      'main',
    );
    await started.client.ping();
    const metrics = started.app.get<RedGridMetrics>(REDIS_METRICS);
    expect(metrics.registry).toBe(registry);
    const server = started.app.getHttpServer();
    await request(server).get('/metrics').expect(404);
    const body = (await request(server).get('/internal/metrics').expect(200)).text;
    expect(body).toContain('# TYPE app_orders_total counter');
    expect(sample(body, /^redgrid_connection_nodes\{connection="main"\} /)).toBe(1);
    expect(
      sample(
        body,
        /^redgrid_commands_total\{connection="main",command="PING",outcome="success"\} /,
      ),
    ).toBeGreaterThanOrEqual(1);
    // ioredisTracing: ioredis 6.1's wire view of the same server.
    expect(
      sample(
        body,
        new RegExp(
          `^redgrid_node_commands_total\\{node="127\\.0\\.0\\.1:${redis.port}",command="PING",outcome="success"\\} `,
        ),
      ),
    ).toBeGreaterThanOrEqual(1);
    await started.app.close();
    app = undefined;
    expect(declared(await registry.metrics())).toEqual(['app_orders_total']);
  });
});
