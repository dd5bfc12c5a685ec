import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Slow (build, pnpm pack, npm install from the registry: about a minute, more on a cold npm
// cache): proves that an application depending on @redgrid/nestjs alone (plus its Nest peers
// and ioredis) installs with npm, type-checks against the published declarations, and
// rate-limits a route against a real Redis, from ESM and from CommonJS.

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = path.resolve(packageDir, '../..');
const tsc = path.join(
  path.dirname(
    createRequire(path.join(repoRoot, 'package.json')).resolve('typescript/package.json'),
  ),
  'bin',
  'tsc',
);

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

async function workspaceDependencies(name: string, seen = new Set<string>()): Promise<Set<string>> {
  const manifest = JSON.parse(
    await readFile(path.join(repoRoot, 'packages', name, 'package.json'), 'utf8'),
  ) as { dependencies?: Record<string, string> };
  seen.add(name);
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    if (!dependency.startsWith('@redgrid/')) continue;
    const folder = dependency.slice('@redgrid/'.length);
    if (!seen.has(folder)) await workspaceDependencies(folder, seen);
  }
  return seen;
}

async function buildAndPack(packages: readonly string[], destination: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await rm(destination, { recursive: true, force: true });
      await run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@redgrid/nestjs...'], {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
      });
      for (const name of packages) {
        await run('pnpm', ['pack', '--pack-destination', destination], {
          cwd: path.join(repoRoot, 'packages', name),
        });
      }
      for (const file of await readdir(destination)) {
        const { stdout } = await run('tar', ['-tzf', path.join(destination, file)], {
          maxBuffer: 16 * 1024 * 1024,
        });
        for (const entry of ['package/dist/esm/index.js', 'package/dist/cjs/index.js']) {
          if (!stdout.split('\n').includes(entry)) throw new Error(`${file} lacks ${entry}`);
        }
      }
      return;
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string };
      lastError = new Error(
        `build and pack failed (attempt ${attempt}): ${String(error)}\n${output.stdout ?? ''}${output.stderr ?? ''}`,
      );
      console.warn(String(lastError).slice(0, 2_000));
      await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
    }
  }
  throw lastError;
}

describe('installing @redgrid/nestjs alone with npm', () => {
  let redis: StandaloneTopology;
  let project: string;

  beforeAll(async () => {
    redis = await startStandalone();
    project = await mkdtemp(path.join(tmpdir(), 'redgrid-nestjs-install-'));
  });

  afterAll(async () => {
    await redis?.stop();
    if (project !== undefined) await rm(project, { recursive: true, force: true });
  });

  it('packs, installs, type-checks and rate-limits a route (429)', async () => {
    const timings: Record<string, number> = {};
    let started = Date.now();
    const lap = (name: string) => {
      timings[name] = Date.now() - started;
      started = Date.now();
    };

    // Build @redgrid/nestjs and the workspace packages it depends on (turbo skips what is
    // built), then `pnpm pack` them: pack turns workspace:^ ranges into real versions, as a
    // publish would. Another process may rebuild a shared package meanwhile (the Express
    // install test does the same), so a failed or incomplete attempt is retried.
    const tarballs = path.join(project, 'tarballs');
    const packages = [...(await workspaceDependencies('nestjs'))].sort();
    await buildAndPack(packages, tarballs);
    lap('build and pack');
    const files = await readdir(tarballs);
    const tarballOf = (name: string) => {
      const file = files.find((candidate) => candidate.startsWith(`redgrid-${name}-`));
      if (file === undefined)
        throw new Error(`no tarball for @redgrid/${name} in ${files.join(', ')}`);
      return `file:tarballs/${file}`;
    };

    // The app depends on @redgrid/nestjs only; its @redgrid dependencies are not on the
    // registry yet, so npm is pointed at their tarballs through overrides, exactly where it
    // would otherwise fetch them.
    const overrides: Record<string, string> = {};
    for (const name of packages)
      if (name !== 'nestjs') overrides[`@redgrid/${name}`] = tarballOf(name);
    const dependencies = {
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      '@nestjs/platform-express': '^12.0.0',
      '@redgrid/nestjs': tarballOf('nestjs'),
      '@types/node': '^20.19.0',
      ioredis: '^6.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
    };
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify(
        { name: 'nest-app', private: true, type: 'module', dependencies, overrides },
        null,
        2,
      ),
    );
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
      { cwd: project, maxBuffer: 64 * 1024 * 1024 },
    );
    lap('npm install');

    const installed = (await readdir(path.join(project, 'node_modules', '@redgrid'))).sort();
    expect(installed).toEqual(packages);

    // Type-check and compile the app against the published declarations.
    await writeFile(path.join(project, 'app.ts'), appSource);
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          experimentalDecorators: true,
          skipLibCheck: false,
          types: ['node'],
          lib: ['es2023', 'dom'],
        },
        files: ['app.ts'],
      }),
    );
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`tsc failed:\n${error.stdout ?? ''}${error.stderr ?? String(error)}`);
      },
    );
    lap('tsc');

    // A plain Node process (none of the test runner's resolution conditions).
    const env = { PATH: process.env.PATH ?? '', ...redis.env() };
    const { stdout } = await run(process.execPath, ['app.js'], { cwd: project, env });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(report.statuses).toEqual([200, 200, 429]);
    expect(Number(report.retryAfter)).toBeGreaterThan(0);
    expect(report.rateLimit).toBe(`"PingController.ping";r=0;t=${report.retryAfter}`);

    await writeFile(path.join(project, 'check.cjs'), commonJsCheck);
    const commonJs = await run(process.execPath, ['check.cjs'], { cwd: project, env });
    expect(JSON.parse(commonJs.stdout.trim()).commonJs).toBe('function');
    lap('run');
    console.log(`@redgrid/nestjs install test timings (ms): ${JSON.stringify(timings)}`);
  }, 600_000);
});
