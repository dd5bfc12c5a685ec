import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumers, installConsumerProject, runCommand, typeCheckConsumer } from '@redgrid/compat';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Slow (build, pnpm pack, npm install: about a minute): proves that an Express application
// depending on @redgrid/express alone (plus express, ioredis and their types) installs with
// npm, type-checks strictly against the published declarations (skipLibCheck off), and
// rate-limits a route against a real Redis, from ESM and from CommonJS. Hermetic: express,
// ioredis and the rest are pinned to the versions of pnpm-lock.yaml and npm resolves
// everything else as the registry stood at the date in tooling/compat/registry-date.json (see
// @redgrid/compat); what users get from the registry today is `pnpm test:compat`'s job.

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

/** The application: about ten lines, importing @redgrid/express only. */
const appSource = `import express from 'express';
import { createConnection, loadConfigFromEnv, rateLimit } from '@redgrid/express';
import type { AddressInfo } from 'node:net';

const connection = createConnection(loadConfigFromEnv());
const app = express();
app.get('/hello', rateLimit({ connection, limit: 3, windowMs: 60_000 }), (_request, response) => {
  response.send('hello');
});
const server = app.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as AddressInfo;
  const responses: Response[] = [];
  for (let index = 0; index < 4; index++) responses.push(await fetch(\`http://127.0.0.1:\${port}/hello\`));
  const last = responses[3];
  console.log(JSON.stringify({
    statuses: responses.map((response) => response.status),
    headers: last === undefined ? {} : Object.fromEntries(last.headers),
  }));
  server.close();
  await connection.close();
});
`;

let redis: StandaloneTopology;
let directory: string;

beforeAll(async () => {
  redis = await startStandalone();
  directory = await mkdtemp(path.join(tmpdir(), 'redgrid-express-install-'));
});

afterAll(async () => {
  await redis?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

describe('installing @redgrid/express alone with npm', () => {
  it('packs, installs the locked versions, type-checks and rate-limits a route', async () => {
    const consumer = consumers.express;
    const project = await installConsumerProject({ repoRoot, consumer, directory });
    expect(project.packed).toEqual([
      '@redgrid/connection',
      '@redgrid/core',
      '@redgrid/express',
      '@redgrid/fallback',
      '@redgrid/observability',
      '@redgrid/rate-limit',
    ]);
    for (const [name, version] of Object.entries(project.pinned))
      expect(`${name}@${await project.installedVersion(name)}`).toBe(`${name}@${version}`);

    let started = Date.now();
    await writeFile(path.join(directory, 'app.ts'), appSource);
    await typeCheckConsumer({ repoRoot, directory, files: ['app.ts'], emit: true });
    const tscMs = Date.now() - started;

    // A plain Node process: none of the test runner's resolution conditions.
    started = Date.now();
    const env = { PATH: process.env.PATH ?? '', ...redis.env() };
    const { stdout } = await runCommand(process.execPath, ['app.js'], { cwd: directory, env });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(report.statuses).toEqual([200, 200, 200, 429]);
    expect(report.headers['retry-after']).toBeDefined();
    expect(report.headers.ratelimit).toMatch(/^"default";r=0;t=\d+$/);

    // The CommonJS entry works too (require from a .cjs file).
    await writeFile(
      path.join(directory, 'check.cjs'),
      `console.log(typeof require('@redgrid/express').rateLimit);\n`,
    );
    const commonJs = await runCommand(process.execPath, ['check.cjs'], { cwd: directory, env });
    expect(commonJs.stdout.trim()).toBe('function');
    const timings = { ...project.timingsMs, tsc: tscMs, run: Date.now() - started };
    console.log(`@redgrid/express install test timings (ms): ${JSON.stringify(timings)}`);
  }, 600_000);
});
