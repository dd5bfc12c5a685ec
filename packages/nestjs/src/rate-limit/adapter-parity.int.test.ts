import type { RequestListener } from 'node:http';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { getRateLimitInfo, type RateLimitMiddleware, rateLimit } from '@redgrid/express';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisModule } from '../module/redis-module.js';
import { RateLimit } from './rate-limit-decorator.js';

// The same request through @redgrid/express's `rateLimit()` and @redgrid/nestjs's `@RateLimit()`
// must be counted under the same key and answered with the same headers: both adapters build
// them with @redgrid/rate-limit/http. Same limit, algorithm and policy name on both sides, each
// adapter over its own Redis prefix (the same fresh limiter state), requests interleaved so that
// both see the same elapsed time (the `t` of a refusal counts down from the first request).

const POLICY = 'shared';
const LIMIT = 2;
const WINDOW_MS = 60_000;
const NEST_PREFIX = 'parity-nest:';
const EXPRESS_PREFIX = 'parity-express:';

@Controller('hello')
class HelloController {
  @Get()
  @RateLimit({ limit: LIMIT, windowMs: WINDOW_MS, name: POLICY })
  hello() {
    return { ok: true };
  }
}

type ExpressRequest = Parameters<RateLimitMiddleware>[0];
type ExpressResponse = Parameters<RateLimitMiddleware>[1];

/** The surface of an Express application this test uses. */
interface ExpressApplication extends RequestListener {
  set(setting: string, value: unknown): unknown;
  get(
    path: string,
    ...handlers: (RateLimitMiddleware | ((req: ExpressRequest, res: ExpressResponse) => void))[]
  ): unknown;
}

/** What a limiter told the client: the status and the rate-limit headers, by lower-case name. */
function decision(response: request.Response) {
  const headers = response.headers as Record<string, string>;
  return {
    status: response.status,
    headers: Object.fromEntries(
      Object.entries(headers).filter(
        ([name]) =>
          name.startsWith('ratelimit') || name.startsWith('x-ratelimit') || name === 'retry-after',
      ),
    ),
  };
}

let redis: StandaloneTopology;
let connection: RedisConnection;
let middlewares: RateLimitMiddleware[] = [];
let expressApp: ExpressApplication;
let nestApp: INestApplication | undefined;

beforeAll(async () => {
  redis = await startStandalone();
  connection = createConnection(loadConfigFromEnv(redis.env()));
  await connection.connect();

  // A plain Express application, made by the Express that @nestjs/platform-express bundles (this
  // package has no `express` dependency of its own); Nest adds nothing to it until it is used as
  // a Nest platform.
  expressApp = new ExpressAdapter().getInstance<ExpressApplication>();
  expressApp.set('trust proxy', 'loopback');
  for (const [path, prefix] of [
    ['/hello', EXPRESS_PREFIX],
    // Over the Nest app's prefix: the two adapters share counters when they build the same key.
    ['/shared', NEST_PREFIX],
  ] as const) {
    const middleware = rateLimit({
      connection,
      algorithm: 'sliding-log',
      limit: LIMIT,
      windowMs: WINDOW_MS,
      prefix,
      policy: POLICY,
    });
    middlewares.push(middleware);
    expressApp.get(path, middleware, (req: ExpressRequest, res: ExpressResponse) => {
      res.json({ key: getRateLimitInfo(req)?.key });
    });
  }

  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        config: loadConfigFromEnv(redis.env()),
        rateLimit: { algorithm: 'sliding-log', prefix: NEST_PREFIX },
      }),
    ],
    controllers: [HelloController],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
  app.set('trust proxy', 'loopback');
  await app.init();
  nestApp = app;
});

afterEach(async () => {
  const keys = await connection.client.keys('parity-*');
  if (keys.length > 0) await connection.client.del(...keys);
});

afterAll(async () => {
  await nestApp?.close();
  for (const middleware of middlewares) middleware.dispose();
  middlewares = [];
  await connection?.close();
  await redis?.stop();
});

function get(app: RequestListener, path: string, forwardedFor: string | undefined) {
  const pending = request(app).get(path);
  return forwardedFor === undefined ? pending : pending.set('X-Forwarded-For', forwardedFor);
}

/** The keys a prefix holds, without the prefix. */
async function keysUnder(prefix: string): Promise<string[]> {
  const keys = await connection.client.keys(`${prefix}*`);
  return keys.map((key) => key.slice(prefix.length)).sort();
}

const clients = [
  // The hop the trusted proxy (loopback) saw, not the address the client claims first; IPv6
  // grouped by /64 in RFC 5952 text (the Nest guard used to say `2001:db8:0:0::/64`).
  {
    client: 'an IPv6 client behind a proxy',
    forwardedFor: '203.0.113.50, 2001:db8::7',
    key: '2001:db8::/64',
  },
  // An IPv4-mapped address written in hex (the Nest guard used to say `0:0:0:0::/64`).
  { client: 'an IPv4-mapped client in hex', forwardedFor: '::ffff:c633:6409', key: '198.51.100.9' },
  // No proxy header: the socket address (`::ffff:127.0.0.1` on a dual-stack socket).
  { client: 'a direct client', forwardedFor: undefined, key: '127.0.0.1' },
];

describe('the Express and Nest adapters on the same request', () => {
  it.each(clients)(
    'count $client under the same key with the same headers',
    async ({ forwardedFor, key }) => {
      const server = nestApp?.getHttpServer();
      const fromExpress = [];
      const fromNest = [];
      for (let index = 0; index <= LIMIT; index++) {
        const expressResponse = await get(expressApp, '/hello', forwardedFor);
        const nestResponse = await get(server, '/hello', forwardedFor);
        fromExpress.push(decision(expressResponse));
        fromNest.push(decision(nestResponse));
        if (index === 0) expect(expressResponse.body.key).toBe(`${POLICY}:${key}`);
      }

      expect(await keysUnder(NEST_PREFIX)).toEqual(await keysUnder(EXPRESS_PREFIX));
      expect(await keysUnder(NEST_PREFIX)).toEqual([expect.stringContaining(`{${POLICY}:${key}}`)]);
      expect(fromNest).toEqual(fromExpress);
      expect(fromNest.map((response) => response.status)).toEqual([200, 200, 429]);
      expect(fromNest[0]?.headers).toEqual({
        'ratelimit-policy': `"${POLICY}";q=${LIMIT};w=60`,
        ratelimit: `"${POLICY}";r=1;t=60`,
      });
      const refused = fromNest[2]?.headers;
      expect(refused?.ratelimit).toBe(`"${POLICY}";r=0;t=${refused?.['retry-after']}`);
    },
  );

  it.each(clients)(
    'share one budget for $client over one limiter prefix',
    async ({ forwardedFor }) => {
      const server = nestApp?.getHttpServer();
      const statuses = [
        (await get(expressApp, '/shared', forwardedFor)).status,
        (await get(server, '/hello', forwardedFor)).status,
        (await get(expressApp, '/shared', forwardedFor)).status,
        (await get(server, '/hello', forwardedFor)).status,
      ];
      expect(statuses).toEqual([200, 200, 429, 429]);
    },
  );
});
