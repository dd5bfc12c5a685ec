import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CircuitOpenError, CrossSlotError, loadConfigFromEnv } from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandCalls,
  type StartedTopology,
  startTopology,
  type TopologyKind,
} from '../test-support/topologies.js';
import { createConnection } from './create-connection.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * The "application": code written once against `connection.client`, whatever the topology.
 * Keys that are used together share a hash tag so the same code runs on a cluster.
 */
async function application(client: Redis | Cluster, id: string) {
  const tag = `{app:${id}}`;
  await client.set(`${tag}:greeting`, 'hello', 'EX', 60);
  const greeting = await client.get(`${tag}:greeting`);
  const visits = await client.incrby(`${tag}:visits`, 5);
  await client.hset(`${tag}:user`, { name: 'Ada', role: 'admin' });
  const user = await client.hgetall(`${tag}:user`);
  const pipelined = await client
    .pipeline()
    .set(`${tag}:a`, '1')
    .incr(`${tag}:a`)
    .get(`${tag}:a`)
    .exec();
  const transaction = await client.multi().incr(`${tag}:tx`).incr(`${tag}:tx`).exec();
  const scripted = await client.eval(
    "return redis.call('INCRBY', KEYS[1], ARGV[1])",
    1,
    `${tag}:script`,
    '7',
  );
  return { greeting, visits, user, pipelined, transaction, scripted };
}

const kinds: TopologyKind[] = ['standalone', 'cluster', 'sentinel'];

describe.each(kinds)('createConnection against %s', (kind) => {
  let started: StartedTopology;
  let connection: RedisConnection;

  beforeAll(async () => {
    started = await startTopology(kind);
    connection = createConnection(loadConfigFromEnv(started.topology.env()));
  });

  afterAll(async () => {
    await connection?.close();
    await started?.stop();
  });

  it('runs the same application code', async () => {
    const result = await application(connection.client, kind);
    expect(result).toEqual({
      greeting: 'hello',
      visits: 5,
      user: { name: 'Ada', role: 'admin' },
      pipelined: [
        [null, 'OK'],
        [null, 2],
        [null, '2'],
      ],
      transaction: [
        [null, 1],
        [null, 2],
      ],
      scripted: 7,
    });
  });

  it('reports health: ready, node count, latency, cluster state', async () => {
    await connection.connect();
    const health = await connection.checkHealth();
    expect(health.state).toBe('ready');
    expect(connection.isHealthy()).toBe(true);
    expect(health.latencyMs).toEqual(expect.any(Number));
    expect(health.breaker.state).toBe('closed');
    if (kind === 'cluster') {
      expect(health.masterCount).toBe(3);
      // Masters, plus the replicas the client has connected to so far.
      expect(health.nodeCount).toBeGreaterThanOrEqual(3);
      expect(health.nodeCount).toBeLessThanOrEqual(6);
      expect(health.clusterState).toBe('ok');
    } else {
      expect(health.nodeCount).toBe(1);
      expect(health.currentMaster).toEqual((await started.masters())[0]);
    }
  });

  it('does not count reply errors (WRONGTYPE, NOSCRIPT) against the breaker', async () => {
    const client = connection.client;
    await client.set('{errors}:string', 'x');
    for (let index = 0; index < 20; index++) {
      await expect(client.lpush('{errors}:string', 'y')).rejects.toThrow(/WRONGTYPE/);
      await expect(client.evalsha('0'.repeat(40), 0)).rejects.toThrow(/NOSCRIPT/);
    }
    expect(connection.breaker.state).toBe('closed');
    const counters = connection.metrics().commands.find((stats) => stats.command === 'LPUSH');
    expect(counters?.outcomes['reply-error']).toBe(20);
  });

  it('fails at once with CircuitOpenError while the breaker is open, writing nothing', async () => {
    const raws = (await started.masters()).map((address) => started.raw(address));
    const before = await Promise.all(raws.map((raw) => commandCalls(raw, 'set')));
    connection.breaker.open();
    try {
      const client = connection.client;
      const attempts = await Promise.allSettled([
        client.set('{open}:a', '1'),
        client.pipeline().set('{open}:b', '1').set('{open}:c', '1').exec(),
        client.multi().set('{open}:d', '1').exec(),
        client.eval("return redis.call('SET', KEYS[1], '1')", 1, '{open}:e'),
      ]);
      const [single, pipeline, transaction, script] = attempts;
      expect(single.status === 'rejected' && CircuitOpenError.isInstance(single.reason)).toBe(true);
      expect(
        pipeline.status === 'fulfilled' &&
          (pipeline.value ?? []).every(([error]) => CircuitOpenError.isInstance(error)),
      ).toBe(true);
      expect(
        transaction.status === 'rejected' && CircuitOpenError.isInstance(transaction.reason),
      ).toBe(true);
      expect(script.status === 'rejected' && CircuitOpenError.isInstance(script.reason)).toBe(true);
    } finally {
      connection.breaker.close();
    }
    const after = await Promise.all(raws.map((raw) => commandCalls(raw, 'set')));
    expect(after).toEqual(before);
    expect(await connection.client.exists('{open}:a', '{open}:b', '{open}:d')).toBe(0);
  });

  it('runs blocking commands and pub/sub on dedicated connections', async () => {
    const blocking = connection.dedicated();
    const subscriber = connection.dedicated();
    const popped = blocking.blpop('{queue}:jobs', 5);
    await connection.client.rpush('{queue}:jobs', 'job-1');
    expect(await popped).toEqual(['{queue}:jobs', 'job-1']);

    const received = new Promise<string>((resolve) =>
      subscriber.on('message', (_channel: string, message: string) => resolve(message)),
    );
    await subscriber.subscribe('news');
    await connection.client.publish('news', 'hello');
    expect(await received).toBe('hello');
    await blocking.quit();
  });

  it.runIf(kind === 'cluster')(
    'rejects cross-slot pipelines and transactions with CrossSlotError naming the keys',
    async () => {
      const client = connection.client;
      const transaction = client.multi().set('user:1', 'a').set('user:2', 'b').exec();
      await expect(transaction).rejects.toSatisfy(
        (error) =>
          CrossSlotError.isInstance(error) &&
          error.keys.includes('user:1') &&
          error.keys.includes('user:2'),
      );
      await expect(client.mget('user:1', 'user:2')).rejects.toSatisfy(
        (error) => CrossSlotError.isInstance(error) && error.keys.length === 2,
      );
      // Keys on one node but in different slots are fine in a plain pipeline (ioredis' rule).
      const ok = await client.pipeline().set('{x}:1', '1').set('{x}:2', '2').exec();
      expect(ok).toEqual([
        [null, 'OK'],
        [null, 'OK'],
      ]);
    },
  );

  it.runIf(kind === 'cluster')(
    'rejects a cross-slot pipeline sent before the cluster is connected (not left pending)',
    async () => {
      // Lazily connected: ioredis runs exec again once it knows the slots.
      const fresh = createConnection(loadConfigFromEnv(started.topology.env()));
      try {
        // Slots 15495 and 3300: on two different masters of the harness' even split.
        const exec = fresh.client.pipeline().set('a', '1').set('b', '2').exec();
        await expect(exec).rejects.toSatisfy(CrossSlotError.isInstance);
      } finally {
        await fresh.close();
      }
    },
  );

  it.runIf(kind === 'cluster')(
    'with auto-pipelining opted in, a cross-slot command fails alone, not its batch',
    async () => {
      const pipelined = createConnection(
        loadConfigFromEnv({ ...started.topology.env(), REDIS_AUTO_PIPELINING: 'true' }),
      );
      try {
        await pipelined.connect();
        const keys = Array.from({ length: 20 }, (_, index) => `{batch}:${index}`);
        // Issued in one tick: the GETs share auto-pipelines; the MGET spans slots.
        const results = await Promise.allSettled([
          ...keys.map((key) => pipelined.client.get(key)),
          pipelined.client.mget('{batch}:x', 'a'),
        ]);
        expect(results.slice(0, keys.length).every((result) => result.status === 'fulfilled')).toBe(
          true,
        );
        const last = results[keys.length];
        expect(last?.status === 'rejected' && CrossSlotError.isInstance(last.reason)).toBe(true);
      } finally {
        await pipelined.close();
      }
    },
  );

  it('publishes its commands and state changes on the redgrid:* diagnostics channels', async () => {
    const messages: Array<[string, unknown]> = [];
    const listen = (name: string) => (message: unknown) => messages.push([name, message]);
    const onCommand = listen('redgrid:command');
    const onState = listen('redgrid:connection:state');
    subscribe('redgrid:command', onCommand);
    subscribe('redgrid:connection:state', onState);
    const observed = createConnection(loadConfigFromEnv(started.topology.env()), {
      name: `observed-${kind}`,
    });
    try {
      await observed.client.set('{observed}:key', 'secret-value');
    } finally {
      await observed.close();
      unsubscribe('redgrid:command', onCommand);
      unsubscribe('redgrid:connection:state', onState);
    }
    const mine = messages.filter(
      ([, message]) => (message as { connection?: string }).connection === `observed-${kind}`,
    );
    expect(mine).toContainEqual([
      'redgrid:command',
      expect.objectContaining({ command: 'SET', outcome: 'success' }),
    ]);
    expect(mine).toContainEqual([
      'redgrid:connection:state',
      expect.objectContaining({ from: 'connecting', to: 'ready' }),
    ]);
    expect(JSON.stringify(mine)).not.toContain('secret-value');
  });

  it('counts every command in the metrics', async () => {
    const before = connection.metrics().commands.find((stats) => stats.command === 'GET');
    await connection.client.get('{metrics}:key');
    const after = connection.metrics().commands.find((stats) => stats.command === 'GET');
    expect((after?.outcomes.success ?? 0) - (before?.outcomes.success ?? 0)).toBe(1);
    expect(after?.latencyBucketCounts.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  });
});
