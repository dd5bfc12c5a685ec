#!/usr/bin/env node
// Install test (issue 8, item 6, Express half): proves that an Express application can depend
// on @redgrid/express alone.
//
// 1. Builds @redgrid/express and the workspace packages it depends on.
// 2. Packs each with `pnpm pack` (which rewrites `workspace:^` into real version ranges).
// 3. Creates a temporary npm project whose package.json depends only on @redgrid/express (its
//    tarball), express and ioredis. The other @redgrid tarballs are not published anywhere, so
//    npm is pointed at them with `overrides` (npm resolves @redgrid/express's dependency
//    `@redgrid/core@^0.0.0` to the tarball instead of the registry); the app never imports them.
// 4. `npm install`, then runs a ten-line Express app that rate-limits a route against the Redis
//    named by REDIS_HOST / REDIS_PORT (a harness server in the test), and prints one JSON line:
//    the status codes of four requests (limit 3) and the headers of the last one.
//
// Usage: REDIS_HOST=127.0.0.1 REDIS_PORT=6390 node packages/express/scripts/install-test.mjs [--keep] [--skip-build]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = new Set(process.argv.slice(2));
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const started = Date.now();
const timings = {};

function run(command, commandArgs, options) {
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(
      `${command} ${commandArgs.join(' ')} failed in ${options.cwd} (exit ${result.status})`,
    );
  }
  return result.stdout;
}

function step(name, action) {
  const begin = Date.now();
  const value = action();
  timings[name] = Date.now() - begin;
  return value;
}

// Workspace packages by name, and the @redgrid closure of @redgrid/express.
const workspace = new Map();
for (const folder of readdirSync(join(root, 'packages'))) {
  try {
    const manifest = JSON.parse(
      readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8'),
    );
    workspace.set(manifest.name, { dir: join(root, 'packages', folder), manifest });
  } catch {
    // not a package
  }
}
const needed = [];
const visit = (name) => {
  if (needed.includes(name)) return;
  const entry = workspace.get(name);
  if (entry === undefined) throw new Error(`${name} is not a workspace package`);
  for (const [dependency, range] of Object.entries(entry.manifest.dependencies ?? {})) {
    if (String(range).startsWith('workspace:')) visit(dependency);
  }
  needed.push(name);
};
visit('@redgrid/express');

const directory = mkdtempSync(join(tmpdir(), 'redgrid-express-install-'));
try {
  if (!args.has('--skip-build')) {
    step('build', () =>
      run('pnpm', ['--filter', '@redgrid/express...', 'run', 'build'], { cwd: root }),
    );
  }

  const tarballs = join(directory, 'tarballs');
  mkdirSync(tarballs);
  const tarballOf = step('pack', () => {
    const files = new Map();
    for (const name of needed) {
      const { dir } = workspace.get(name);
      const output = run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
      const file = output
        .trim()
        .split('\n')
        .map((line) => line.trim())
        .reverse()
        .find((line) => line.endsWith('.tgz'));
      if (file === undefined)
        throw new Error(`pnpm pack printed no tarball for ${name}:\n${output}`);
      files.set(name, resolve(tarballs, file));
    }
    return files;
  });

  const app = join(directory, 'app');
  mkdirSync(app);
  const packed = (name) => `file:${tarballOf.get(name)}`;
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify(
      {
        name: 'redgrid-express-install-test',
        private: true,
        type: 'module',
        dependencies: {
          '@redgrid/express': packed('@redgrid/express'),
          express: '^5.1.0',
          ioredis: '^5.4.0 || ^6.0.0',
        },
        overrides: Object.fromEntries(
          needed.filter((name) => name !== '@redgrid/express').map((name) => [name, packed(name)]),
        ),
      },
      null,
      2,
    )}\n`,
  );
  step('npm install', () =>
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'], {
      cwd: app,
    }),
  );

  // The application: ten lines, importing @redgrid/express only.
  writeFileSync(
    join(app, 'app.mjs'),
    `import express from 'express';
import { createConnection, loadConfigFromEnv, rateLimit } from '@redgrid/express';
const connection = createConnection(loadConfigFromEnv());
const app = express();
app.get('/hello', rateLimit({ connection, limit: 3, windowMs: 60_000 }), (_req, res) => res.send('hello'));
const server = app.listen(0, '127.0.0.1', async () => {
  const url = \`http://127.0.0.1:\${server.address().port}/hello\`;
  const responses = []; for (let i = 0; i < 4; i++) responses.push(await fetch(url));
  console.log(JSON.stringify({ statuses: responses.map((r) => r.status), headers: Object.fromEntries(responses[3].headers) }));
  server.close(); await connection.close();
});
`,
  );
  const output = step('run app', () => run(process.execPath, ['app.mjs'], { cwd: app }));
  const appResult = JSON.parse(output.trim().split('\n').at(-1));

  // The CommonJS entry works too (require from a .cjs file).
  writeFileSync(
    join(app, 'check.cjs'),
    `console.log(typeof require('@redgrid/express').rateLimit);\n`,
  );
  const commonJs = step('require()', () =>
    run(process.execPath, ['check.cjs'], { cwd: app }),
  ).trim();

  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  const installed = readdirSync(join(app, 'node_modules', '@redgrid')).sort();
  console.log(
    JSON.stringify({
      ok: true,
      packed: needed,
      appDependencies: Object.keys(manifest.dependencies).sort(),
      installedRedgrid: installed,
      ...appResult,
      commonJs,
      timingsMs: timings,
      totalMs: Date.now() - started,
      directory: args.has('--keep') ? directory : undefined,
    }),
  );
} finally {
  if (!args.has('--keep')) rmSync(directory, { recursive: true, force: true });
}
