import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from './index.js';

// The README's first example runs here against a harness Redis (its configuration from the
// environment, as in an application), so that it cannot rot. Only `app.listen(3000)` is swapped
// for an export, so that the test can send requests to it.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example =
  [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')[0] ?? '';
const entry = fileURLToPath(new URL('./index.ts', import.meta.url));

let redis: StandaloneTopology;
const saved = { ...process.env };

beforeAll(async () => {
  redis = await startStandalone();
  Object.assign(process.env, redis.env());
});

afterAll(async () => {
  process.env = saved;
  await redis?.stop();
});

describe('README', () => {
  it('the first example serves a limited route, health and metrics', async () => {
    expect(example).toContain('app.listen(3000);');
    // Inside the package's node_modules, so that the example resolves 'express' as an app would.
    const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    let directory: string | undefined;
    let connection: RedisConnection | undefined;
    try {
      directory = mkdtempSync(join(cache, 'readme-'));
      const file = join(directory, 'example.ts');
      writeFileSync(
        file,
        example
          .replaceAll("'@redgrid/express'", JSON.stringify(entry))
          .replace('app.listen(3000);', 'export { app, connection };'),
      );
      const loaded = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
        app: Express;
        connection: RedisConnection;
      };
      connection = loaded.connection;
      const { app } = loaded;
      const hello = await request(app).get('/api/hello').expect(200);
      expect(hello.body).toEqual({ hello: 'world' });
      expect(hello.headers['ratelimit-policy']).toBe('"default";q=100;w=60');
      expect(hello.headers.ratelimit).toMatch(/^"default";r=99;t=\d+$/);
      const health = await request(app).get('/health/detailed').expect(200);
      expect(health.body.overall).toBe('healthy');
      const metrics = await request(app).get('/metrics').expect(200);
      expect(metrics.text).toMatch(
        /^redgrid_commands_total\{connection="redis",command="EVALSHA",outcome="success"\} [1-9]/m,
      );
    } finally {
      await connection?.close();
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    }
  });
});
