import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createConnection, type RedisConnection } from '@redgrid/connection';
import { keySlot, loadConfigFromEnv } from '@redgrid/core';
import {
  type ClusterTopology,
  type StandaloneTopology,
  startCluster,
  startStandalone,
} from '@redgrid/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { richJsonSerializer } from '../codec/serializer.js';
import type { Cache } from './cache.js';
import type { CacheOptions } from './cache-options.js';
import { createCache } from './create-cache.js';

// Every connection is what a user gets from the environment variables alone
// (loadConfigFromEnv, no connection options): the defaults are what these tests check.

/** Deadline of every condition wait (vi.waitFor's default of 1 s is too short on a busy machine). */
const settle = { timeout: 10_000 };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connect(topology: StandaloneTopology | ClusterTopology): RedisConnection {
  const connection = createConnection(loadConfigFromEnv(topology.env()));
  cleanups.push(() => connection.close());
  return connection;
}

let prefixCounter = 0;
function cacheOver(connection: RedisConnection, options: Partial<CacheOptions> = {}): Cache {
  const cache = createCache({
    connection,
    prefix: `test${prefixCounter}:`,
    jitter: 0,
    fallback: { sweepIntervalMs: 0 },
    ...options,
  });
  cleanups.push(() => cache.close());
  return cache;
}

describe('cache on a standalone server', () => {
  let redis: StandaloneTopology;
  beforeAll(async () => {
    redis = await startStandalone();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(() => {
    prefixCounter++;
  });

  it('gets, sets and deletes through L1 and Redis, counting hits and misses', async () => {
    const connection = connect(redis);
    const cache = cacheOver(connection);
    await cache.ready();
    expect(await cache.get('missing')).toBeUndefined();
    await cache.set('user:1', { name: 'Ada' }, 60);
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' });
    expect(await cache.getWithMetadata('user:1')).toMatchObject({
      source: 'l1',
      stale: false,
      degraded: false,
    });
    const raw = connection.client as Redis;
    const pttl = await raw.pttl(`${cache.prefix}user:1`);
    expect(pttl).toBeGreaterThan(30_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await cache.del('user:1')).toBe(1);
    expect(await cache.get('user:1')).toBeUndefined();
    expect(cache.metrics()).toMatchObject({
      hits: 2,
      l1Hits: 2,
      misses: 2,
      sets: 1,
      deletes: 1,
    });
  });

  it('reads L2 when L1 does not hold the value, and keeps it in L1 afterwards', async () => {
    const connection = connect(redis);
    const writer = cacheOver(connection);
    const reader = cacheOver(connection);
    await Promise.all([writer.ready(), reader.ready()]);
    await writer.set('k', [1, 2, 3]);
    // (a read that overlaps the invalidation of a write is not kept in L1: wait for it first)
    await vi.waitFor(() => expect(reader.metrics().invalidationsReceived).toBe(1), settle);
    expect(await reader.getWithMetadata('k')).toMatchObject({
      value: [1, 2, 3],
      source: 'redis',
    });
    expect(await reader.getWithMetadata('k')).toMatchObject({ source: 'l1' });
    expect(reader.metrics()).toMatchObject({ l2Hits: 1, l1Hits: 1 });
  });

  it('single-flights concurrent gets of one key into one Redis read', async () => {
    const connection = connect(redis);
    const writer = cacheOver(connection);
    await writer.set('hot', 'value');
    const reader = cacheOver(connection, { l1: false });
    const getCount = () =>
      connection.metrics().commands.find((stats) => stats.command === 'GET')?.count ?? 0;
    const before = getCount();
    const values = await Promise.all(Array.from({ length: 100 }, () => reader.get('hot')));
    expect(new Set(values)).toEqual(new Set(['value']));
    expect(getCount() - before).toBe(1);
  });

  it('stampede: 1000 concurrent getOrSet of a cold key run the loader once', async () => {
    const connection = connect(redis);
    const cache = cacheOver(connection);
    // The loader finishes only once every caller has asked.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const loader = vi.fn(async () => {
      await gate;
      return { computed: true };
    });
    const calls = Array.from({ length: 1_000 }, () =>
      cache.getOrSet('cold', loader, { ttlMs: 60_000 }),
    );
    release();
    const values = await Promise.all(calls);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(values.every((value) => value === values[0])).toBe(true);
    expect(values[0]).toEqual({ computed: true });
    expect(await cache.getOrSet('cold', loader)).toEqual({ computed: true });
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('grace: serves the stale value while one loader refreshes, and when the loader fails', async () => {
    const connection = connect(redis);
    const cache = cacheOver(connection);
    let version = 0;
    let fail = false;
    const loader = vi.fn(async () => {
      if (fail) throw new Error('source of truth down');
      return ++version;
    });
    const errors: unknown[] = [];
    cleanups.push(cache.on('error', (error) => errors.push(error)));
    expect(await cache.getOrSet('g', loader, { ttlMs: 200, graceMs: 30_000 })).toBe(1);
    // get() returns fresh values only (Redis being up): wait until the TTL has passed
    const expired = async () =>
      vi.waitFor(async () => expect((await cache.getWithMetadata('g')).found).toBe(false), settle);
    await expired();
    // stale: served at once, one refresh started for all callers
    const stale = await Promise.all(
      Array.from({ length: 20 }, () =>
        cache.getOrSetWithMetadata('g', loader, {
          ttlMs: 200,
          graceMs: 30_000,
        }),
      ),
    );
    expect(stale.every((result) => result.value === 1 && result.stale)).toBe(true);
    await vi.waitFor(() => expect(loader).toHaveBeenCalledTimes(2), settle);
    // The refresh has written its value (to L1 and Redis) once `sets` counts it. Its value is not
    // read here while fresh (that would race its 200 ms TTL): the stale read below shows it.
    await vi.waitFor(() => expect(cache.metrics().sets).toBe(2), settle);
    // the loader fails: the refreshed value keeps being served, stale
    fail = true;
    await expired();
    expect(await cache.getOrSet('g', loader, { ttlMs: 200, graceMs: 30_000 })).toBe(2);
    await vi.waitFor(() => expect(errors).toHaveLength(1), settle);
    expect(await cache.getOrSet('g', loader, { ttlMs: 200, graceMs: 30_000 })).toBe(2);
    expect(cache.metrics().loadErrors).toBeGreaterThanOrEqual(1);
    // without grace the loader's error reaches the caller
    await expect(cache.getOrSet('no-grace', loader)).rejects.toThrow('source of truth down');
  });

  it('invalidates L1 across instances on set, del and clear', async () => {
    const a = cacheOver(connect(redis));
    const b = cacheOver(connect(redis));
    await Promise.all([a.ready(), b.ready()]);
    await a.set('shared', 'v1');
    await vi.waitFor(() => expect(b.metrics().invalidationsReceived).toBe(1), settle);
    expect(await b.get('shared')).toBe('v1');
    expect((await b.getWithMetadata('shared')).source).toBe('l1');
    await a.set('shared', 'v2');
    await vi.waitFor(async () => expect(await b.get('shared')).toBe('v2'), settle);
    await a.del('shared');
    await vi.waitFor(async () => expect(await b.get('shared')).toBeUndefined(), settle);
    await a.namespace('users').set('1', 'Ada');
    expect(await b.namespace('users').get('1')).toBe('Ada');
    expect(await a.namespace('users').clear()).toBe(1);
    await vi.waitFor(
      async () => expect(await b.namespace('users').get('1')).toBeUndefined(),
      settle,
    );
    expect(b.metrics().invalidationsReceived).toBeGreaterThanOrEqual(3);
  });

  it('flushes L1 when the subscription is lost, and caps L1 TTLs in cap mode', async () => {
    const connection = connect(redis);
    const flushing = cacheOver(connection);
    // Default heartbeat: the loss below comes from CLIENT KILL, which the bus sees at once.
    const capping = cacheOver(connection, {
      invalidation: { onSubscriptionLost: { capTtlMs: 200 } },
    });
    await Promise.all([flushing.ready(), capping.ready()]);
    await flushing.set('f', 1, 600);
    await capping.set('c', 1, 600);
    expect(flushing.metrics().l1Entries).toBe(1);
    const raw = connection.client as Redis;
    // Disconnect every subscriber: messages published until they resubscribe are lost.
    await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await vi.waitFor(() => expect(flushing.metrics().l1Flushes).toBe(1), settle);
    expect(flushing.metrics().l1Entries).toBe(0);
    expect(capping.metrics().l1Flushes).toBe(0);
    // capped, not flushed: the entry that had 600 s left leaves L1 (after 200 ms), long before
    // its own TTL could end it
    await vi.waitFor(
      async () => expect((await capping.getWithMetadata('c')).source).toBe('redis'),
      settle,
    );
    expect(capping.metrics().l1Flushes).toBe(0);
    // both subscribe again and use L1 again
    await vi.waitFor(
      () => expect(flushing.metrics().subscribed && capping.metrics().subscribed).toBe(true),
      settle,
    );
    expect((await flushing.getWithMetadata('f')).source).toBe('redis');
    expect((await flushing.getWithMetadata('f')).source).toBe('l1');
  });

  it('durations in ms; the deprecated seconds options still work, converted', async () => {
    const connection = connect(redis);
    const raw = connection.client as Redis;
    const current = cacheOver(connection, { ttlMs: 40_000, l1: { maxTtlMs: 60_000 } });
    const legacy = cacheOver(connection, {
      prefix: `legacy${prefixCounter}:`,
      ttlSeconds: 40,
      graceSeconds: 20,
      l1: { maxTtlSeconds: 60 },
    });
    await current.set('default', 1);
    await legacy.set('default', 1);
    // the cache's TTL (40 s), plus the grace (20 s) for the deprecated one: Redis keeps both
    const currentTtl = await raw.pttl(`${current.prefix}default`);
    expect(currentTtl).toBeGreaterThan(30_000);
    expect(currentTtl).toBeLessThanOrEqual(40_000);
    const legacyTtl = await raw.pttl(`${legacy.prefix}default`);
    expect(legacyTtl).toBeGreaterThan(50_000);
    expect(legacyTtl).toBeLessThanOrEqual(60_000);
    await current.set('ms', 1, { ttlMs: 9_000 });
    await current.set('seconds', 1, { ttlSeconds: 9 });
    await current.set('positional', 1, 9);
    await current.mset([{ key: 'entry', value: 1, ttlSeconds: 9 }]);
    await current.getOrSet('loaded', () => 1, { ttlSeconds: 9 });
    for (const key of ['ms', 'seconds', 'positional', 'entry', 'loaded']) {
      const ttl = await raw.pttl(`${current.prefix}${key}`);
      expect(ttl, key).toBeGreaterThan(5_000);
      expect(ttl, key).toBeLessThanOrEqual(9_000);
    }
    await expect(current.set('both', 1, { ttlMs: 1_000, ttlSeconds: 1 })).rejects.toThrow(
      /ttlMs or the deprecated ttlSeconds/,
    );
  });

  it('Symbol.asyncDispose closes the cache like close()', async () => {
    const connection = connect(redis);
    const cache = createCache({ connection, prefix: `dispose${prefixCounter}:` });
    cleanups.push(() => cache.close());
    await cache.ready();
    expect(cache.metrics().subscribed).toBe(true);
    await cache[Symbol.asyncDispose]();
    expect(cache.metrics().subscribed).toBe(false);
    await cache.close();
  });

  it('mget and mset go through L1 then one MGET, with namespaces', async () => {
    const connection = connect(redis);
    const cache = cacheOver(connection);
    const users = cache.namespace('users');
    await users.mset([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttlMs: 5_000 },
    ]);
    const other = cacheOver(connection, { prefix: cache.prefix });
    expect(await other.namespace('users').mget(['a', 'x', 'b'])).toEqual([1, undefined, 2]);
    expect(await users.mget(['a', 'b'])).toEqual([1, 2]);
    const raw = connection.client as Redis;
    expect(await raw.exists(`${cache.prefix}users:a`)).toBe(1);
    expect(await raw.pttl(`${cache.prefix}users:b`)).toBeLessThanOrEqual(5_000);
  });

  it('stores compressed and encrypted values that another instance reads; Redis holds no plaintext', async () => {
    const connection = connect(redis);
    const keys = { k1: randomBytes(32) };
    const options = {
      compression: { algorithm: 'brotli' as const, thresholdBytes: 100 },
      encryption: { keys, activeKeyId: 'k1' },
      serializer: richJsonSerializer,
    };
    const writer = cacheOver(connection, options);
    const reader = cacheOver(connection, { ...options, prefix: writer.prefix });
    const value = {
      text: 'top secret '.repeat(100),
      at: new Date(5),
      big: 12n,
    };
    await writer.set('doc', value);
    expect(await reader.get('doc')).toEqual(value);
    const stored = await (connection.client as Redis).getBuffer(`${writer.prefix}doc`);
    expect(stored?.toString('latin1')).not.toContain('top secret');
    expect(stored?.length).toBeLessThan(300);
  });

  // With the defaults, the calls in flight when Redis dies wait for their 5 s deadline before the
  // breaker opens and the fallback answers at once; it closes again on the first probe after 5 s.
  it('Redis killed mid-run: served from the fallback, flagged; back to Redis afterwards', {
    timeout: 180_000,
  }, async () => {
    const server = await startStandalone();
    cleanups.push(() => server.stop());
    const connection = connect(server);
    const cache = cacheOver(connection);
    await cache.ready();
    await cache.set('before', 'value', 600);

    const failures: unknown[] = [];
    const sources: string[] = [];
    let stop = false;
    let loads = 0;
    const worker = async (id: number) => {
      for (let index = 0; !stop; index++) {
        try {
          const result = await cache.getOrSetWithMetadata(
            `run:${id}:${index % 20}`,
            () => ++loads,
            {
              ttlMs: 600_000,
            },
          );
          sources.push(result.source);
          await cache.set(`written:${id}`, index);
        } catch (error) {
          failures.push(error);
        }
        await yieldToEventLoop();
      }
    };
    const degraded = vi.fn();
    cleanups.push(cache.on('degraded', degraded));
    const workers = Array.from({ length: 10 }, (_, id) => worker(id));
    try {
      await server.waitFor(() => sources.length > 100, {
        timeoutMs: 10_000,
        message: 'traffic',
      });
      await server.kill(server.node);
      await server.waitFor(() => cache.metrics().fallbackReads > 50, {
        timeoutMs: 60_000,
        message: 'reads from the fallback',
      });
      expect(degraded).toHaveBeenCalled();
      const during = await cache.getWithMetadata('written:0');
      expect(during).toMatchObject({
        found: true,
        source: 'memory',
        degraded: true,
      });
      expect(cache.metrics()).toMatchObject({
        degraded: true,
        subscribed: false,
      });
      expect(cache.metrics().fallbackWrites).toBeGreaterThan(0);

      await server.restart(server.node);
      await server.waitFor(() => !cache.metrics().degraded, {
        timeoutMs: 60_000,
        message: 'recovered',
      });
      await server.waitFor(
        async () => (await cache.getWithMetadata('written:0')).source !== 'memory',
        {
          timeoutMs: 30_000,
          message: 'reads from Redis again',
        },
      );
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    expect(failures).toEqual([]);
  });
});

describe('cache on a cluster', () => {
  let cluster: ClusterTopology;
  let connections: RedisConnection[];
  beforeAll(async () => {
    cluster = await startCluster();
    connections = [0, 1].map(() => createConnection(loadConfigFromEnv(cluster.env())));
    await Promise.all(connections.map((connection) => connection.connect()));
  });
  afterAll(async () => {
    await Promise.all((connections ?? []).map((connection) => connection.close()));
    await cluster?.stop();
  });

  it('mget / mset across slots, clear on every master, invalidation between instances', async () => {
    const [first, second] = connections;
    if (!first || !second) throw new Error('connections not created');
    const a = cacheOver(first, { prefix: 'cl:' });
    const b = cacheOver(second, { prefix: 'cl:' });
    await Promise.all([a.ready(), b.ready()]);
    const keys = Array.from({ length: 50 }, (_, index) => `item:${index}`);
    const owners = new Set(
      await Promise.all(
        keys.map(async (key) => (await cluster.masterFor(keySlot(`cl:${key}`))).id),
      ),
    );
    expect(owners.size).toBe(3);
    await a.mset(keys.map((key, index) => ({ key, value: index })));
    expect(await b.mget(keys)).toEqual(keys.map((_, index) => index));
    expect(b.metrics().l2Hits).toBe(50);
    await a.set('item:7', 'changed');
    await vi.waitFor(async () => expect(await b.get('item:7')).toBe('changed'), settle);
    expect(await a.clear()).toBe(50);
    await vi.waitFor(
      async () => expect(await b.mget(keys)).toEqual(keys.map(() => undefined)),
      settle,
    );
  });

  it('distributed single-flight on a cluster: lock and value share a slot, one loader runs', async () => {
    const [first, second] = connections;
    if (!first || !second) throw new Error('connections not created');
    const evals = () =>
      second.metrics().commands.find((stats) => stats.command === 'EVAL')?.count ?? 0;
    for (const key of ['plain:key', 'user:{7}:profile']) {
      const a = cacheOver(first, { prefix: 'dsf:', distributedSingleFlight: true });
      const b = cacheOver(second, { prefix: 'dsf:', distributedSingleFlight: true });
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const loaderA = vi.fn(async () => {
        await gate;
        return `value of ${key}`;
      });
      const loaderB = vi.fn(async () => 'loaded twice');
      const fromA = a.getOrSet(key, loaderA);
      await vi.waitFor(() => expect(loaderA).toHaveBeenCalledTimes(1), settle);
      const evalsBefore = evals();
      const fromB = b.getOrSetWithMetadata(key, loaderB);
      // b found the lock taken (one EVAL on its connection) before a's loader finishes
      await vi.waitFor(() => expect(evals()).toBeGreaterThan(evalsBefore), settle);
      release();
      expect(await fromA).toBe(`value of ${key}`);
      expect(await fromB).toMatchObject({ value: `value of ${key}`, source: 'redis' });
      expect(loaderB).not.toHaveBeenCalled();
    }
  });
});
