import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { createRateLimiter } from '@redgrid/rate-limit';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { Request, Response } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressVersions } from '../test-support/express-versions.js';
import { type RateLimitOptions, rateLimit } from './rate-limit.js';
import { getRateLimitInfo } from './rate-limit-info.js';

let redis: StandaloneTopology;
let connection: RedisConnection;
let run = 0;

beforeAll(async () => {
  redis = await startStandalone();
  connection = createConnection(loadConfigFromEnv(redis.env()));
  await connection.connect();
});

afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

describe.each(expressVersions)('rateLimit() on %s', (_version, express) => {
  function appWith(options: Partial<RateLimitOptions> & { limit?: number }, route = '/hello') {
    run++;
    const app = express();
    app.set('trust proxy', 'loopback');
    const middleware = rateLimit({
      connection,
      limit: options.limit ?? 3,
      windowMs: 60_000,
      prefix: `express-test-${run}:`,
      ...options,
    } as RateLimitOptions);
    app.get(route, middleware, (req: Request, res: Response) => {
      res.json({ ok: true, info: getRateLimitInfo(req) ?? null });
    });
    return { app, middleware };
  }

  it('lets the limit through with draft headers, then answers 429 with Retry-After', async () => {
    const { app, middleware } = appWith({ algorithm: 'fixed-window' });
    const agent = request(app);
    for (let remaining = 2; remaining >= 0; remaining--) {
      const response = await agent.get('/hello').expect(200);
      expect(response.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
      expect(response.headers.ratelimit).toMatch(new RegExp(`^"default";r=${remaining};t=\\d+$`));
      // Seconds left of the 60 s window, however long the requests took: within [1, 60].
      const secondsLeft = Number(/t=(\d+)$/.exec(String(response.headers.ratelimit))?.[1]);
      expect(secondsLeft).toBeGreaterThanOrEqual(1);
      expect(secondsLeft).toBeLessThanOrEqual(60);
      expect(response.headers['ratelimit-degraded']).toBeUndefined();
      expect(response.headers['retry-after']).toBeUndefined();
      expect(response.body.info).toMatchObject({ allowed: true, remaining, decidedBy: 'redis' });
    }
    const rejected = await agent.get('/hello').expect(429);
    expect(rejected.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(rejected.body).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      status: 429,
      'violated-policies': ['default'],
    });
    const retryAfter = Number(rejected.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(rejected.headers.ratelimit).toBe(`"default";r=0;t=${retryAfter}`);
    expect(middleware.stats()).toMatchObject({ allowed: 3, rejected: 1, degraded: 0 });
    middleware.dispose();
  });

  it('sends the draft-7 and draft-6 styles and the legacy headers on request', async () => {
    const seven = appWith({
      standardHeaders: 'draft-7',
      legacyHeaders: true,
      algorithm: 'fixed-window',
    });
    const response = await request(seven.app).get('/hello').expect(200);
    expect(response.headers.ratelimit).toMatch(/^limit=3, remaining=2, reset=(59|60)$/);
    expect(response.headers['ratelimit-policy']).toBe('3;w=60');
    expect(response.headers['x-ratelimit-limit']).toBe('3');
    expect(response.headers['x-ratelimit-remaining']).toBe('2');
    expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);

    const six = appWith({ standardHeaders: 'draft-6' });
    const sixth = await request(six.app).get('/hello').expect(200);
    expect(sixth.headers['ratelimit-limit']).toBe('3');
    expect(sixth.headers['ratelimit-remaining']).toBe('2');
    // Until fully replenished: the default sliding window weighs the previous window, so up to
    // two windows.
    expect(Number(sixth.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(sixth.headers['ratelimit-reset'])).toBeLessThanOrEqual(120);
    expect(sixth.headers['x-ratelimit-limit']).toBeUndefined();

    const none = appWith({ standardHeaders: false });
    const bare = await request(none.app).get('/hello').expect(200);
    expect(bare.headers.ratelimit).toBeUndefined();
    expect(bare.headers['ratelimit-policy']).toBeUndefined();
  });

  it('skips requests, charges a cost and uses a custom key generator', async () => {
    const { app } = appWith({
      limit: 5,
      skip: (req) => req.query.free === '1',
      cost: (req) => Number(req.query.cost ?? 1),
      keyGenerator: async (req) => String(req.headers['x-api-key'] ?? 'anonymous'),
    });
    const agent = request(app);
    for (let index = 0; index < 10; index++) {
      const free = await agent.get('/hello?free=1').set('x-api-key', 'a').expect(200);
      expect(free.headers.ratelimit).toBeUndefined();
    }
    const heavy = await agent.get('/hello?cost=4').set('x-api-key', 'a').expect(200);
    expect(heavy.headers.ratelimit).toMatch(/r=1;/);
    await agent.get('/hello?cost=2').set('x-api-key', 'a').expect(429);
    // Another key has its own quota.
    await agent.get('/hello?cost=5').set('x-api-key', 'b').expect(200);
  });

  it('calls a custom handler on rejection', async () => {
    const { app } = appWith({
      limit: 1,
      handler: (_req, res, _next, info) => {
        res
          .status(418)
          .json({ custom: true, reason: info.reason, retryAfterMs: info.retryAfterMs });
      },
    });
    await request(app).get('/hello').expect(200);
    const response = await request(app).get('/hello').expect(418);
    expect(response.body).toEqual({
      custom: true,
      reason: 'limit-exceeded',
      retryAfterMs: expect.any(Number),
    });
    expect(response.body.retryAfterMs).toBeGreaterThan(0);
    // The header was set before the handler ran, from the same decision.
    expect(Number(response.headers['retry-after'])).toBe(
      Math.ceil(response.body.retryAfterMs / 1000),
    );
  });

  it('keys IPv6 clients by /64 and IPv4-mapped clients as IPv4', async () => {
    const { app } = appWith({ limit: 2 });
    const agent = request(app);
    await agent.get('/hello').set('X-Forwarded-For', '2001:db8:7:1::1').expect(200);
    await agent.get('/hello').set('X-Forwarded-For', '2001:db8:7:1:ffff::2').expect(200);
    await agent.get('/hello').set('X-Forwarded-For', '2001:db8:7:1:abcd::3').expect(429);
    await agent.get('/hello').set('X-Forwarded-For', '2001:db8:7:2::1').expect(200);

    await agent.get('/hello').set('X-Forwarded-For', '::ffff:198.51.100.9').expect(200);
    const second = await agent.get('/hello').set('X-Forwarded-For', '198.51.100.9').expect(200);
    expect(second.body.info.key).toBe('default:198.51.100.9');
    await agent.get('/hello').set('X-Forwarded-For', '198.51.100.9').expect(429);
  });

  it('combines two policies on one route in the same header lists', async () => {
    run++;
    const app = express();
    const perSecond = rateLimit({
      connection,
      limit: 10,
      windowMs: 1_000,
      policy: 'burst',
      prefix: `two-${run}:`,
    });
    const perHour = rateLimit({
      connection,
      limit: 1000,
      windowMs: 3_600_000,
      policy: 'hourly',
      prefix: `two-${run}:`,
    });
    app.get('/both', perSecond, perHour, (req: Request, res: Response) => {
      res.json({
        burst: getRateLimitInfo(req, 'burst')?.remaining,
        hourly: getRateLimitInfo(req, 'hourly')?.remaining,
      });
    });
    const response = await request(app).get('/both').expect(200);
    expect(response.headers['ratelimit-policy']).toBe('"burst";q=10;w=1, "hourly";q=1000;w=3600');
    expect(response.headers.ratelimit).toMatch(/^"burst";r=9;t=[12], "hourly";r=999;t=\d+$/);
    expect(response.body).toEqual({ burst: 9, hourly: 999 });
    perSecond.dispose();
    perHour.dispose();
  });

  it('uses a limiter given to it, and passes unexpected errors to next()', async () => {
    run++;
    const limiter = createRateLimiter({
      connection,
      algorithm: 'token-bucket',
      limit: 2,
      windowMs: 60_000,
      prefix: `given-${run}:`,
    });
    const app = express();
    const middleware = rateLimit({ limiter, cost: (req) => Number(req.query.cost ?? 1) });
    expect(middleware.limiter).toBe(limiter);
    app.get('/given', middleware, (_req: Request, res: Response) => {
      res.send('ok');
    });
    app.use((error: Error, _req: Request, res: Response, _next: unknown) => {
      res.status(500).json({ error: error.name });
    });
    await request(app).get('/given').expect(200);
    // A cost above the burst is a programming error, not a rate-limit decision.
    const failed = await request(app).get('/given?cost=5').expect(500);
    expect(failed.body.error).toBe('ConfigError');
    const invalid = await request(app).get('/given?cost=abc').expect(500);
    expect(invalid.body.error).toBe('ConfigError');
    expect(middleware.stats().errors).toBe(2);
    middleware.dispose();
    limiter.dispose();
  });
});

describe('rateLimit() options', () => {
  it('rejects invalid options with one ConfigError naming each', () => {
    expect(() =>
      rateLimit({
        connection,
        limit: 3,
        windowMs: 1000,
        cost: 0,
        statusCode: 200,
        standardHeaders: 'draft-9' as 'draft-8',
        ipv6Subnet: 200,
        policy: 'naïve',
      }),
    ).toThrow(
      /options\.cost[\s\S]*options\.statusCode[\s\S]*options\.standardHeaders[\s\S]*options\.policy[\s\S]*options\.ipv6Subnet/,
    );
  });
});
