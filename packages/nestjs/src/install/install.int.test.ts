import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumers, installConsumerProject, runCommand, typeCheckConsumer } from '@redgrid/compat';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Slow (build, pnpm pack, npm install from the registry: about a minute, more on a cold npm
// cache): proves that an application depending on @redgrid/nestjs alone (plus its Nest peers
// and ioredis) installs with npm, type-checks strictly against the published declarations
// (skipLibCheck off), and rate-limits a route against a real Redis, from ESM and from
// CommonJS. Hermetic: the Nest packages, ioredis and the rest are pinned to the versions of
// pnpm-lock.yaml and npm resolves everything else as the registry stood at the date in
// tooling/compat/registry-date.json (see @redgrid/compat); what users get from the registry
// today is `pnpm test:compat`'s job.

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

/** The app a Nest user would write: one rate-limited route, configuration from REDIS_*. */
const appSource = `import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RateLimit, RedisModule } from '@redgrid/nestjs';

@Controller('ping')
class PingController {
  @Get()
  @RateLimit({ limit: 2, windowMs: 60_000 })
  ping() {
    return { pong: true };
  }
}

@Module({ imports: [RedisModule.forRoot()], controllers: [PingController] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address() as { port: number };
const responses = [];
for (let index = 0; index < 3; index++) {
  responses.push(await fetch(\`http://127.0.0.1:\${port}/ping\`));
}
const last = responses[2];
console.log(JSON.stringify({
  statuses: responses.map((response) => response.status),
  retryAfter: last?.headers.get('retry-after'),
  rateLimit: last?.headers.get('ratelimit'),
}));
await app.close();
`;

const commonJsCheck = `const nest = require('@redgrid/nestjs');
console.log(JSON.stringify({ commonJs: typeof nest.RedisModule.forRoot }));
`;

describe('installing @redgrid/nestjs alone with npm', () => {
  let redis: StandaloneTopology;
  let directory: string;

  beforeAll(async () => {
    redis = await startStandalone();
    directory = await mkdtemp(path.join(tmpdir(), 'redgrid-nestjs-install-'));
  });

  afterAll(async () => {
    await redis?.stop();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('packs, installs the locked versions, type-checks and rate-limits a route (429)', async () => {
    const consumer = consumers.nestjs;
    const project = await installConsumerProject({ repoRoot, consumer, directory });
    expect(project.packed).toEqual([
      '@redgrid/cache',
      '@redgrid/connection',
      '@redgrid/core',
      '@redgrid/fallback',
      '@redgrid/nestjs',
      '@redgrid/observability',
      '@redgrid/partitioning',
      '@redgrid/rate-limit',
    ]);
    for (const [name, version] of Object.entries(project.pinned))
      expect(`${name}@${await project.installedVersion(name)}`).toBe(`${name}@${version}`);

    let started = Date.now();
    await writeFile(path.join(directory, 'app.ts'), appSource);
    await typeCheckConsumer({
      repoRoot,
      directory,
      files: ['app.ts'],
      emit: true,
      compilerOptions: { experimentalDecorators: true, lib: ['es2023', 'dom'] },
    });
    const tscMs = Date.now() - started;

    // A plain Node process (none of the test runner's resolution conditions).
    started = Date.now();
    const env = { PATH: process.env.PATH ?? '', ...redis.env() };
    const { stdout } = await runCommand(process.execPath, ['app.js'], { cwd: directory, env });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(report.statuses).toEqual([200, 200, 429]);
    expect(Number(report.retryAfter)).toBeGreaterThan(0);
    expect(report.rateLimit).toBe(`"PingController.ping";r=0;t=${report.retryAfter}`);

    await writeFile(path.join(directory, 'check.cjs'), commonJsCheck);
    const commonJs = await runCommand(process.execPath, ['check.cjs'], { cwd: directory, env });
    expect(JSON.parse(commonJs.stdout.trim()).commonJs).toBe('function');
    const timings = { ...project.timingsMs, tsc: tscMs, run: Date.now() - started };
    console.log(`@redgrid/nestjs install test timings (ms): ${JSON.stringify(timings)}`);
  }, 600_000);
});
