// Child process of the `express-http` suite (not a suite itself: the runner only loads
// `*.bench.ts`). It serves the same route four ways, each on its own port, all against the
// Redis given as arguments, and prints `{"ports": {...}}` once listening. The load generator
// (autocannon) runs in the parent, so client and servers do not share an event loop.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnection } from '@redgrid/connection';
import { ExpressRateLimitStore, rateLimit } from '@redgrid/express';
import express, { type RequestHandler } from 'express';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { type RedisReply, RedisStore } from 'rate-limit-redis';

const [host = '127.0.0.1', portText = '6379'] = process.argv.slice(2);
const port = Number(portText);
// Every request is allowed: what is measured is the cost of deciding, not of rejecting.
const limit = 1_000_000_000;
const windowMs = 60_000;

const connection = createConnection({ type: 'single', options: { host, port } });
const plain = new Redis({ host, port });
await connection.connect();

function app(limiter: RequestHandler | undefined) {
  const application = express();
  application.disable('x-powered-by');
  const route: RequestHandler = (_req, res) => {
    res.json({ hello: 'world' });
  };
  if (limiter === undefined) application.get('/hello', route);
  else application.get('/hello', limiter, route);
  return application;
}

const apps = {
  none: app(undefined),
  redgrid: app(rateLimit({ connection, limit, windowMs, prefix: 'bench-redgrid:' })),
  'express-rate-limit+rate-limit-redis': app(
    expressRateLimit({
      windowMs,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      validate: false,
      store: new RedisStore({
        prefix: 'bench-rlr:',
        sendCommand: (command: string, ...args: string[]) =>
          plain.call(command, ...args) as Promise<RedisReply>,
      }),
    }),
  ),
  'express-rate-limit+ExpressRateLimitStore': app(
    expressRateLimit({
      windowMs,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      validate: false,
      store: new ExpressRateLimitStore({ connection, prefix: 'bench-erls:' }),
    }),
  ),
};

const ports: Record<string, number> = {};
for (const [name, application] of Object.entries(apps)) {
  const server = createServer(application);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports[name] = (server.address() as AddressInfo).port;
}
process.stdout.write(`${JSON.stringify({ ports })}\n`);

// Exit with the parent: it closes our stdin when the suite tears down (or dies).
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
