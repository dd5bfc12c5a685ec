import type { Topology } from '@redgrid/redis-harness';
import { Cluster, Redis } from 'ioredis';
import { expect } from 'vitest';
import { type RunningTaskflow, startTaskflow } from '../app/start-taskflow.js';
import { TaskflowClient } from './taskflow-client.js';

/** Writes allowed per window in the scenario before the Express limiter answers 429. */
export const scenarioWriteLimit = 5;

/**
 * Starts taskflow on `topology` by its environment alone (the harness's `env()`, nothing tuned:
 * the defaults are what the scenarios check) on a free port, quietly.
 */
export function startOn(
  topology: Topology,
  writeLimit = scenarioWriteLimit,
): Promise<RunningTaskflow> {
  return startTaskflow({
    env: topology.env(),
    settings: { port: 0, writeLimit: { limit: writeLimit, windowMs: 60_000 } },
    logger: process.env.TEST_NEST_LOG ? ['log', 'warn', 'error'] : false,
  });
}

/** Every key in the topology's data nodes (masters of a cluster), read with a plain client. */
export async function allKeys(topology: Topology): Promise<string[]> {
  const env = topology.env();
  if (env.REDIS_CLUSTER === 'true') {
    const cluster = new Cluster([{ host: '127.0.0.1', port: Number(env.REDIS_NODE1_PORT) }], {
      lazyConnect: true,
    });
    cluster.on('error', () => undefined);
    try {
      await cluster.connect();
      const keys = await Promise.all(cluster.nodes('master').map((node) => node.keys('*')));
      return keys.flat();
    } finally {
      cluster.disconnect();
    }
  }
  const keys: string[] = [];
  for (const node of topology.nodes) {
    // Sentinels hold no data; a killed node has no pid.
    if (node.kind !== 'server' || node.pid === undefined) continue;
    const client = new Redis({ host: node.host, port: node.port, lazyConnect: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const role = await client.role();
      if (role[0] === 'master') keys.push(...(await client.keys('*')));
    } finally {
      client.disconnect();
    }
  }
  return keys;
}

/**
 * The HTTP scenario every topology passes: create, read (cached), update, list, exceed the write
 * limit (429 with headers), and `/health/detailed` showing the node count. Returns the id of
 * the task created.
 */
export async function runHttpScenario(
  taskflow: RunningTaskflow,
  expectNodeCount: (nodeCount: number) => void,
): Promise<string> {
  const client = new TaskflowClient(taskflow.url);

  const created = await client.create('Write the end-to-end test');
  expect(created.status).toBe(201);
  expect(created.headers.get('ratelimit-policy')).toBe(
    `"tasks-write";q=${scenarioWriteLimit};w=60`,
  );
  expect(created.headers.get('ratelimit')).toMatch(
    new RegExp(`^"tasks-write";r=${scenarioWriteLimit - 1};t=\\d+$`),
  );
  expect(created.headers.get('x-taskflow-degraded')).toBeNull();
  const id = created.body.id;
  expect(created.body).toMatchObject({ title: 'Write the end-to-end test', status: 'todo' });

  // Written through the cache: the first read is a hit.
  const read = await client.get(id);
  expect(read.status).toBe(200);
  expect(read.headers.get('x-cache')).toBe('hit');
  expect(read.body).toEqual(created.body);

  const updated = await client.update(id, { status: 'doing' });
  expect(updated.status).toBe(200);
  expect(updated.body.status).toBe('doing');
  // The update is guarded by the Nest guard too: its headers come after the middleware's.
  expect(updated.headers.get('ratelimit-policy')).toContain('"task-update";q=10;w=60');
  const reread = await client.get(id);
  expect(reread.body.status).toBe('doing');

  const listed = await client.list();
  expect(listed.status).toBe(200);
  expect(listed.body.tasks.map((task) => task.id)).toContain(id);

  // Writes so far: 2 of the limit. Use up the rest, then one more is refused.
  for (let index = 2; index < scenarioWriteLimit; index++) {
    expect((await client.create(`filler ${index}`)).status).toBe(201);
  }
  const refused = await client.create('one too many');
  expect(refused.status).toBe(429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(120); // within two windows (sliding window)
  expect(refused.headers.get('ratelimit')).toBe(`"tasks-write";r=0;t=${retryAfter}`);
  expect(refused.headers.get('ratelimit-policy')).toBe(
    `"tasks-write";q=${scenarioWriteLimit};w=60`,
  );
  // Reads are not limited.
  expect((await client.get(id)).status).toBe(200);

  const health = await client.health();
  expect(health.status).toBe(200);
  expect(health.body.overall).toBe('healthy');
  const redis = health.body.checks.find((check) => check.name === 'redis');
  expect(redis?.status).toBe('healthy');
  expectNodeCount(Number(redis?.details.nodeCount));
  expect(redis?.message).toMatch(/^Redis connection is working \(latency: \d+ms, nodes: \d+\)$/);

  return id;
}
