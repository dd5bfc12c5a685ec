import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createConnection, type RedisConnection } from '@redgrid/connection';
import { keySlot, loadConfigFromEnv } from '@redgrid/core';
import {
  type ClusterTopology,
  type StandaloneTopology,
  startCluster,
  startStandalone,
} from '@redgrid/redis-harness';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineScript, type ScriptReply } from '../script/store-script.js';
import { ResilientStore } from './resilient-store.js';
import type { RecoveryReport, ResilientStoreOptions } from './resilient-store-options.js';
import type { StoreResult } from './store-result.js';
import { versionKey } from './version-key.js';

// Every connection is what a user gets from the environment variables alone
// (loadConfigFromEnv, no connection options): the defaults are what these tests check.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connect(topology: StandaloneTopology | ClusterTopology): RedisConnection {
  const connection = createConnection(loadConfigFromEnv(topology.env()));
  cleanups.push(() => connection.close());
  return connection;
}

function storeOver(connection: RedisConnection, options: Partial<ResilientStoreOptions> = {}) {
  const store = new ResilientStore({
    connection,
    memory: { sweepIntervalMs: 0 },
    ...options,
  });
  cleanups.push(() => store.dispose());
  return store;
}

function nextRecovery(store: ResilientStore): Promise<RecoveryReport> {
  return new Promise((resolve) => {
    const off = store.on('recovered', (report) => {
      off();
      resolve(report);
    });
  });
}

const counterScript = defineScript({
  name: 'test-counter',
  lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
  numberOfKeys: 1,
  parseReply: (reply) => Number(reply),
  memory: (memory, keys, args) => memory.increment(keys[0] ?? '', { by: Number(args[0]) }),
});

describe('ResilientStore on a standalone server', () => {
  let redis: StandaloneTopology;
  beforeAll(async () => {
    redis = await startStandalone();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('serves every operation from Redis while it is up', async () => {
    const connection = connect(redis);
    const store = storeOver(connection);
    const raw = connection.client as Redis;
    await expect(store.set('basic:a', 'one', { ttlMs: 10_000 })).resolves.toEqual({
      value: true,
      source: 'redis',
      degraded: false,
    });
    expect(await raw.get('basic:a')).toBe('one');
    expect((await store.get('basic:a')).value).toBe('one');
    expect((await store.getBuffer('basic:a')).value).toEqual(Buffer.from('one'));
    const ttl = (await store.ttlMs('basic:a')).value;
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
    expect((await store.increment('basic:n', { ttlMs: 5_000 })).value).toBe(1);
    expect((await store.increment('basic:n', { by: 4, ttlMs: 60_000 })).value).toBe(5);
    expect(await raw.pttl('basic:n')).toBeLessThanOrEqual(5_000);
    expect((await store.expire('basic:n', 0)).value).toBe(true);
    expect(await raw.pttl('basic:n')).toBe(-1);
    await store.mset([
      { key: 'basic:m1', value: 'x', ttlMs: 10_000 },
      { key: 'basic:m2', value: Buffer.from([0, 1, 2]) },
    ]);
    expect((await store.mget(['basic:m1', 'basic:missing', 'basic:m2'])).value).toEqual([
      'x',
      null,
      '\u0000\u0001\u0002',
    ]);
    expect(await raw.pttl('basic:m2')).toBe(-1);
    expect((await store.delete(['basic:m1', 'basic:missing'])).value).toBe(1);
    expect((await store.deleteByPrefix('basic:')).value).toBe(3);
    expect(await raw.keys('basic:*')).toEqual([]);
  });

  it('runs scripts with EVALSHA and reloads them after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const connection = connect(redis);
    const store = storeOver(connection);
    const raw = connection.client as Redis;
    expect(await store.runScript(counterScript, ['script:c'], [2])).toEqual({
      value: 2,
      source: 'redis',
      degraded: false,
    });
    await raw.script('FLUSH');
    expect((await store.runScript(counterScript, ['script:c'], [3])).value).toBe(5);
    expect(await raw.script('EXISTS', counterScript.sha1)).toEqual([1]);
  });

  it("gives the README's fixed-window script the same results on Redis and in memory", async () => {
    const fixedWindow = defineScript({
      name: 'fixed-window',
      numberOfKeys: 1,
      lua: `
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return { count, redis.call('PTTL', KEYS[1]) }`,
      parseReply: (reply: ScriptReply) => {
        const [count, ttlMs] = reply as [number, number];
        return { count, resetMs: ttlMs };
      },
      memory: (memory, keys, args) => {
        const key = keys[0] ?? '';
        const count = memory.increment(key, { ttlMs: Number(args[0]) });
        return { count, resetMs: memory.ttlMs(key) };
      },
    });
    const connection = connect(redis);
    const store = storeOver(connection);
    const onRedis = [];
    for (let index = 0; index < 3; index++) {
      onRedis.push(await store.runScript(fixedWindow, ['rl:{user:42}:api'], [60_000]));
    }
    connection.breaker.open();
    const inMemory = [];
    for (let index = 0; index < 3; index++) {
      inMemory.push(await store.runScript(fixedWindow, ['rl:{user:42}:api'], [60_000]));
    }
    connection.breaker.close();
    for (const results of [onRedis, inMemory]) {
      expect(results.map((result) => result.value.count)).toEqual([1, 2, 3]);
      for (const result of results) {
        expect(result.value.resetMs).toBeGreaterThan(50_000);
        expect(result.value.resetMs).toBeLessThanOrEqual(60_000);
      }
    }
    expect(onRedis.every((result) => result.source === 'redis' && !result.degraded)).toBe(true);
    expect(inMemory.every((result) => result.source === 'memory' && result.degraded)).toBe(true);
  });

  // With the defaults, the calls in flight when Redis dies wait for their 5 s deadline (20 workers
  // fail together: the burst that opens the breaker), then memory answers at once; the breaker
  // probes again after 5 s (10 s after a failed probe).
  it('stop Redis under load: no call fails, memory answers flagged; back on Redis after one probe', {
    timeout: 180_000,
  }, async () => {
    const server = await startStandalone();
    cleanups.push(() => server.stop());
    const connection = connect(server);
    const store = storeOver(connection);
    await connection.connect();

    const results: Array<StoreResult<unknown> & { at: number }> = [];
    const failures: unknown[] = [];
    let stop = false;
    const worker = async (id: number) => {
      for (let index = 0; !stop; index++) {
        const key = `load:${id}:${index % 50}`;
        try {
          const operation = index % 4;
          const result =
            operation === 0
              ? await store.set(key, String(index), { ttlMs: 60_000 })
              : operation === 1
                ? await store.get(key)
                : operation === 2
                  ? await store.increment(`load:counter:${id}`, {
                      ttlMs: 60_000,
                    })
                  : await store.runScript(counterScript, [`load:script:${id}`], [1]);
          results.push({ ...result, at: Date.now() });
        } catch (error) {
          failures.push(error);
        }
        await yieldToEventLoop();
      }
    };
    const breakerEvents: Array<{ to: string; at: number }> = [];
    cleanups.push(
      connection.on('breaker', (change) => breakerEvents.push({ to: change.to, at: Date.now() })),
    );
    const workers = Array.from({ length: 20 }, (_, id) => worker(id));
    try {
      await server.waitFor(
        () => results.filter((result) => result.source === 'redis').length > 200,
        {
          timeoutMs: 10_000,
          message: 'traffic on Redis',
        },
      );

      await server.kill(server.node);
      const killedAt = Date.now();
      await server.waitFor(
        () =>
          results.filter((result) => result.at > killedAt && result.source === 'memory').length >
          500,
        { timeoutMs: 60_000, message: 'traffic answered from memory' },
      );
      expect(store.degraded).toBe(true);
      for (const result of results.filter((entry) => entry.source === 'memory')) {
        expect(result.degraded).toBe(true);
      }

      const recovered = nextRecovery(store);
      await server.restart(server.node);
      const raw = connection.client as Redis;
      await server.waitFor(() => raw.status === 'ready', {
        timeoutMs: 30_000,
        message: 'ioredis reconnected',
      });
      const reconnectedAt = Date.now();
      await server.waitFor(
        () => results.some((result) => result.at > reconnectedAt && result.source === 'redis'),
        { timeoutMs: 60_000, message: 'traffic back on Redis' },
      );
      await recovered;
      // Once ioredis is connected again, the first half-open probe succeeds: no re-open.
      const after = breakerEvents
        .filter((event) => event.at >= reconnectedAt)
        .map((event) => event.to);
      expect(after.filter((to) => to === 'open')).toEqual([]);
      expect(after.filter((to) => to === 'half-open').length).toBeLessThanOrEqual(1);
      const backAt = Date.now();
      await server.waitFor(() => results.filter((result) => result.at > backAt).length > 200, {
        timeoutMs: 30_000,
        message: 'traffic after recovery',
      });
      expect(
        results.filter((result) => result.at > backAt).every((result) => result.source === 'redis'),
      ).toBe(true);
      expect(store.degraded).toBe(false);
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    expect(failures).toEqual([]);
  });

  it('a call to a paused server ends at its command deadline and is answered from memory, flagged', async () => {
    const server = await startStandalone();
    cleanups.push(() => server.stop());
    const config = loadConfigFromEnv(server.env());
    const connection = createConnection(config);
    cleanups.push(() => connection.close());
    const store = storeOver(connection);
    await connection.connect();
    const getTimeouts = () =>
      connection.metrics().commands.find((stats) => stats.command === 'GET')?.outcomes.timeout ?? 0;
    await server.pause(server.node);
    cleanups.push(() => server.resume(server.node));
    const timeoutsBefore = getTimeouts();
    const started = performance.now();
    const result = await store.get('paused');
    const elapsedMs = performance.now() - started;
    expect(result).toMatchObject({ source: 'memory', degraded: true });
    // What ended the wait was the deadline: exactly one GET timed out (no resend, no other error).
    expect(getTimeouts() - timeoutsBefore).toBe(1);
    // It did wait for that deadline (a lower bound, which a busy machine cannot miss).
    expect(elapsedMs).toBeGreaterThanOrEqual(config.options.commandTimeoutMs - 50);
  });

  it('last-write-wins: replays outage writes unless Redis holds a newer version', async () => {
    const mine = connect(redis);
    const theirs = connect(redis);
    const store = storeOver(mine, { recovery: 'last-write-wins' });
    const other = storeOver(theirs, { recovery: 'last-write-wins' });
    const raw = theirs.client as Redis;

    await other.set('lww:older-elsewhere', 'theirs, before my write');
    await other.set('lww:deleted-by-me', 'present');
    await mine.connect();
    // Cut only this instance off: its breaker refuses every call, the other one is healthy.
    mine.breaker.open();
    await expect(store.set('lww:older-elsewhere', 'mine')).resolves.toMatchObject({
      source: 'memory',
    });
    await store.set('lww:newer-elsewhere', 'mine, overwritten later');
    await store.set('lww:only-mine', 'mine', { ttlMs: 60_000 });
    await store.delete('lww:deleted-by-me');
    await store.increment('lww:counter', { by: 7 });
    // a later write by the healthy instance must win over my outage write (ms versions)
    const lastOutageWriteAt = Date.now();
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(lastOutageWriteAt));
    await other.set('lww:newer-elsewhere', 'theirs, after my write');

    const recovered = nextRecovery(store);
    mine.breaker.close();
    const report = await recovered;
    expect(report).toMatchObject({
      policy: 'last-write-wins',
      replayed: 4,
      skipped: 1,
      dropped: 0,
      failed: 0,
    });
    expect(await raw.get('lww:older-elsewhere')).toBe('mine');
    expect(await raw.get('lww:newer-elsewhere')).toBe('theirs, after my write');
    expect(await raw.get('lww:only-mine')).toBe('mine');
    expect(await raw.pttl('lww:only-mine')).toBeGreaterThan(50_000);
    expect(await raw.exists('lww:deleted-by-me')).toBe(0);
    expect(await raw.get('lww:counter')).toBe('7');
    expect(Number(await raw.get(versionKey('lww:only-mine')))).toBeGreaterThan(0);
    expect(store.memory.size).toBe(0);
  });

  it('invalidate: deletes keys written during the outage from Redis', async () => {
    const connection = connect(redis);
    const store = storeOver(connection, { recovery: 'invalidate' });
    const raw = connection.client as Redis;
    await raw.set('inv:a', 'old');
    await raw.set('inv:b', 'old');
    await raw.set('inv:prefix:1', 'old');
    await raw.set('inv:keep', 'old');
    connection.breaker.open();
    await store.set('inv:a', 'new');
    await store.delete('inv:b');
    await store.deleteByPrefix('inv:prefix:');
    const recovered = nextRecovery(store);
    connection.breaker.close();
    const report = await recovered;
    expect(report).toMatchObject({
      policy: 'invalidate',
      keys: ['inv:a', 'inv:b'],
      prefixes: ['inv:prefix:'],
    });
    expect((await raw.keys('inv:*')).sort()).toEqual(['inv:keep']);
  });
});

describe('ResilientStore on a cluster', () => {
  let cluster: ClusterTopology;
  let connection: RedisConnection;
  beforeAll(async () => {
    cluster = await startCluster();
    connection = createConnection(loadConfigFromEnv(cluster.env()));
    await connection.connect();
  });
  afterAll(async () => {
    await connection?.close();
    await cluster?.stop();
  });

  it('splits mget, mset and delete per slot, and clears a prefix on every master', async () => {
    const store = storeOver(connection);
    const keys = Array.from({ length: 60 }, (_, index) => `cluster:k${index}`);
    expect(new Set(keys.map((key) => keySlot(key))).size).toBeGreaterThan(30);
    const masters = await cluster.masters();
    const owners = new Set(
      await Promise.all(keys.map(async (key) => (await cluster.masterFor(keySlot(key))).id)),
    );
    expect(owners.size).toBe(masters.length);

    await expect(
      store.mset(keys.map((key, index) => ({ key, value: `v${index}`, ttlMs: 60_000 }))),
    ).resolves.toMatchObject({ source: 'redis' });
    const read = await store.mget([...keys, 'cluster:missing']);
    expect(read).toMatchObject({ source: 'redis', degraded: false });
    expect(read.value).toEqual([...keys.map((_, index) => `v${index}`), null]);
    expect((await store.delete(keys.slice(0, 10))).value).toBe(10);
    expect((await store.deleteByPrefix('cluster:')).value).toBe(50);
    expect((await store.mget(keys)).value.every((value) => value === null)).toBe(true);
  });

  it('runs scripts on the slot owner and reloads them there after NOSCRIPT', async () => {
    const store = storeOver(connection);
    const key = 'cluster:{script}:counter';
    expect((await store.runScript(counterScript, [key], [1])).value).toBe(1);
    const owner = await cluster.masterFor(keySlot(key));
    const client = connection.client as Cluster;
    const node = client.nodes('master').find((candidate) => candidate.options.port === owner.port);
    await node?.script('FLUSH');
    expect((await store.runScript(counterScript, [key], [1])).value).toBe(2);
    expect(await node?.script('EXISTS', counterScript.sha1)).toEqual([1]);
  });

  it('keeps last-write-wins versions in the slot of their key', async () => {
    const store = storeOver(connection, { recovery: 'last-write-wins' });
    await store.mset([
      { key: 'cluster:lww:a', value: '1' },
      { key: 'cluster:lww:b', value: '2', ttlMs: 60_000 },
    ]);
    for (const key of ['cluster:lww:a', 'cluster:lww:b']) {
      expect(keySlot(versionKey(key))).toBe(keySlot(key));
    }
    expect((await store.delete(['cluster:lww:a', 'cluster:lww:b'])).value).toBe(2);
  });
});
