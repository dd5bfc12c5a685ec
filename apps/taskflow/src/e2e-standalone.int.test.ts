import { CacheService, RedisConnectionService } from '@redgrid/nestjs';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningTaskflow } from './app/start-taskflow.js';
import { allKeys, runHttpScenario, startOn } from './test-support/http-scenario.js';
import { TaskflowClient, waitFor } from './test-support/taskflow-client.js';

describe('taskflow end to end on a standalone Redis', () => {
  let redis: StandaloneTopology;
  let taskflow: RunningTaskflow | undefined;

  beforeAll(async () => {
    redis = await startStandalone();
  });

  afterAll(async () => {
    await taskflow?.close();
    await redis?.stop();
  });

  it('serves the HTTP scenario and writes only under taskflow:', async () => {
    taskflow = await startOn(redis);
    const id = await runHttpScenario(taskflow, (nodes) => expect(nodes).toBe(1));
    const keys = await allKeys(redis);
    expect(keys).toContain(`taskflow:task:${id}`);
    expect(keys.filter((key) => !key.startsWith('taskflow:'))).toEqual([]);
    await taskflow.close();
    taskflow = undefined;
  });

  it('reads through the cache: a miss loads from Redis, the next read is a hit', async () => {
    taskflow = await startOn(redis, 100);
    const client = new TaskflowClient(taskflow.url);
    const { body: task } = await client.create('cached');
    await taskflow.app.get(CacheService).del(`task:${task.id}`);
    const miss = await client.get(task.id);
    expect(miss.headers.get('x-cache')).toBe('miss');
    expect(miss.body).toEqual(task);
    const hit = await client.get(task.id);
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect((await client.get('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    // The cache publishes its reads; /metrics counts them without being handed the cache.
    const metrics = await (await fetch(`${taskflow.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^redgrid_cache_reads_total\{cache="taskflow:cache:",result="l1"\} [1-9]/m,
    );
    await taskflow.close();
    taskflow = undefined;
  });

  it('limits updates of one task with the Nest guard (429 with headers)', async () => {
    taskflow = await startOn(redis, 100);
    const client = new TaskflowClient(taskflow.url);
    const { body: task } = await client.create('popular');
    for (let index = 0; index < 10; index++) {
      expect((await client.update(task.id, { title: `popular ${index}` })).status).toBe(200);
    }
    const refused = await client.update(task.id, { title: 'once more' });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit')).toContain(`"task-update";r=0;t=${retryAfter}`);
    // Another task has its own budget.
    const { body: other } = await client.create('quiet');
    expect((await client.update(other.id, { status: 'done' })).status).toBe(200);
    await taskflow.close();
    taskflow = undefined;
  });

  // With the defaults, each Redis call a request makes after Redis died waits for the 5 s command
  // deadline until the breaker has seen 5 failures (a write request makes several calls, so it
  // can pay more than one deadline); then memory answers at once. The breaker probes again
  // after 5 s (doubling after each failed probe).
  it('keeps serving from memory while Redis is down (degraded), then recovers (healthy)', {
    timeout: 240_000,
  }, async () => {
    taskflow = await startOn(redis, 1_000);
    const client = new TaskflowClient(taskflow.url);
    const breakerStates: string[] = [];
    const stopRecording = taskflow.app
      .get(RedisConnectionService)
      .connection.on('breaker', ({ to }) => breakerStates.push(to));
    const before = await client.create('before the outage');
    await waitFor(
      async () => (await client.health()).body.overall === 'healthy',
      10_000,
      'healthy',
    );

    await redis.kill(redis.node);
    // A burst of writes (each reaches Redis: the limiter, then the store): all are answered.
    const burst = await Promise.all(
      Array.from({ length: 10 }, (_, index) => client.create(`burst ${index}`)),
    );
    expect(burst.map((response) => response.status)).toEqual(burst.map(() => 201));
    expect(burst.map((response) => response.headers.get('x-taskflow-degraded'))).toEqual(
      burst.map(() => 'true'),
    );
    await waitFor(() => breakerStates.includes('open'), 60_000, 'the breaker to open');
    await waitFor(
      async () => (await client.health()).body.overall === 'degraded',
      60_000,
      'the health to say degraded',
    );
    const health = await client.health();
    expect(health.status).toBe(200);
    expect(health.body.checks[0]?.message).toMatch(/serving from the in-memory fallback/);

    const during = await client.create('during the outage');
    expect(during.status).toBe(201);
    expect(during.headers.get('x-taskflow-degraded')).toBe('true');
    expect(during.headers.get('ratelimit-degraded')).toBe('memory');
    const read = await client.get(during.body.id);
    expect(read.status).toBe(200);
    expect(read.body.title).toBe('during the outage');
    expect((await client.update(during.body.id, { status: 'done' })).status).toBe(200);
    const listed = await client.list();
    expect(listed.status).toBe(200);
    expect(listed.body.tasks.map((task) => task.id)).toContain(during.body.id);
    // Cached before the outage: still readable.
    expect((await client.get(before.body.id)).status).toBe(200);

    await redis.restart(redis.node);
    await waitFor(
      async () => (await client.health()).body.overall === 'healthy',
      60_000,
      'the health to say healthy again',
    );
    // The task written to memory during the outage reaches Redis once a call gets through.
    const raw = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    try {
      await waitFor(
        async () => {
          await client.list();
          return (await raw.get(`taskflow:task:${during.body.id}`)) !== null;
        },
        60_000,
        'the outage write to be replayed to Redis',
      );
      const stored = JSON.parse((await raw.get(`taskflow:task:${during.body.id}`)) ?? '{}');
      expect(stored.status).toBe('done');
    } finally {
      raw.disconnect();
    }
    const after = await client.create('after the outage');
    expect(after.status).toBe(201);
    expect(after.headers.get('x-taskflow-degraded')).toBeNull();
    stopRecording();
    await taskflow.close();
    taskflow = undefined;
  });
});
