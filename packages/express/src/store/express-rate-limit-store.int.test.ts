import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressVersions } from '../test-support/express-versions.js';
import { ExpressRateLimitStore } from './express-rate-limit-store.js';

let redis: StandaloneTopology;
let connection: RedisConnection;
let run = 0;
const stores: ExpressRateLimitStore[] = [];

beforeAll(async () => {
  redis = await startStandalone();
  connection = createConnection(loadConfigFromEnv(redis.env()));
  await connection.connect();
});

afterAll(async () => {
  for (const store of stores) store.shutdown();
  await connection?.close();
  await redis?.stop();
});

function newStore(prefix: string): ExpressRateLimitStore {
  const store = new ExpressRateLimitStore({ connection, prefix });
  stores.push(store);
  return store;
}

describe.each(expressVersions)(
  'ExpressRateLimitStore with express-rate-limit on %s',
  (_version, express) => {
    function instance(
      prefix: string,
      options: { limit?: number; skipFailedRequests?: boolean } = {},
    ) {
      const app = express();
      const store = newStore(prefix);
      app.use(
        rateLimit({
          windowMs: 60_000,
          limit: options.limit ?? 2,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          skipFailedRequests: options.skipFailedRequests ?? false,
          store,
        }),
      );
      app.get('/', (_req: Request, res: Response) => {
        res.send('ok');
      });
      app.get('/fail', (_req: Request, res: Response) => {
        res.status(500).send('boom');
      });
      return { app, store };
    }

    it('counts in Redis: the limit holds across two app instances', async () => {
      run++;
      const prefix = `erl-${run}:`;
      const first = instance(prefix);
      const second = instance(prefix);
      const one = await request(first.app).get('/').expect(200);
      expect(one.headers.ratelimit).toMatch(/r=1; t=\d+$/);
      const secondsLeft = Number(/t=(\d+)$/.exec(String(one.headers.ratelimit))?.[1]);
      expect(secondsLeft).toBeGreaterThanOrEqual(1);
      expect(secondsLeft).toBeLessThanOrEqual(60);
      await request(second.app).get('/').expect(200);
      const rejected = await request(first.app).get('/').expect(429);
      expect(Number(rejected.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(rejected.headers['retry-after'])).toBeLessThanOrEqual(60);
      await request(second.app).get('/').expect(429);
      // Counted by a fixed-window limiter of @redgrid/rate-limit, under its state key.
      expect(await connection.client.get(`${prefix}fw:{127.0.0.1}`)).toBe('4');
    });

    it('gets, decrements and resets a key', async () => {
      run++;
      const { app, store } = instance(`erl-${run}:`, { skipFailedRequests: true, limit: 3 });
      // Failed requests are given back through decrement().
      for (let index = 0; index < 5; index++) await request(app).get('/fail').expect(500);
      await request(app).get('/').expect(200);
      const key = '127.0.0.1';
      // express-rate-limit decrements after the response has been sent.
      await expect.poll(async () => (await store.get(key))?.totalHits, { timeout: 10_000 }).toBe(1);
      const info = await store.get(key);
      expect(info?.resetTime?.getTime()).toBeGreaterThan(Date.now());
      await store.resetKey(key);
      expect(await store.get(key)).toBeUndefined();
      // As in express-rate-limit's MemoryStore, a decrement without a count opens a window at 0.
      await store.decrement(key);
      expect((await store.get(key))?.totalHits).toBe(0);
      await store.resetAll();
      expect(await store.get(key)).toBeUndefined();
    });
  },
);

describe('ExpressRateLimitStore while Redis is down', () => {
  it('keeps counting in memory instead of failing requests, then returns to Redis', async () => {
    run++;
    const express = expressVersions[0]?.[1];
    if (express === undefined) throw new Error('no express');
    const app = express();
    const store = newStore(`erl-${run}:`);
    app.use(rateLimit({ windowMs: 60_000, limit: 3, store }));
    app.get('/', (_req: Request, res: Response) => {
      res.send('ok');
    });
    await request(app).get('/').expect(200);
    await redis.kill(redis.node);
    try {
      await redis.waitFor(() => !connection.isHealthy(), {
        timeoutMs: 30_000,
        message: 'connection notices the outage',
      });
      // With the defaults a command first waits for Redis until its deadline: a concurrent
      // burst (on other keys) makes the failures that open the breaker, after which the store
      // answers from memory at once.
      await Promise.all(Array.from({ length: 10 }, (_, index) => store.get(`burst:${index}`)));
      await redis.waitFor(() => connection.breaker.state === 'open', {
        timeoutMs: 60_000,
        message: 'breaker open',
      });
      // Counts restart in memory: three more pass, the fourth is limited; none fails.
      for (let index = 0; index < 3; index++) await request(app).get('/').expect(200);
      await request(app).get('/').expect(429);
      expect(store.degraded).toBe(true);
      expect(store.stats().memory).toBeGreaterThan(0);
    } finally {
      await redis.restart(redis.node);
    }
    await redis.waitFor(() => connection.isHealthy(), {
      timeoutMs: 60_000,
      message: 'connection recovers',
    });
    await redis.waitFor(
      async () => (await request(app).get('/')).status !== 500 && !store.degraded,
      {
        timeoutMs: 60_000,
        message: 'store back on Redis',
      },
    );
  }, 180_000);

  it('needs a connection or a store', () => {
    expect(() => new ExpressRateLimitStore({})).toThrow(/options\.connection/);
  });
});
