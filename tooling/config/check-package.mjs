#!/usr/bin/env node
// Checks the package in the current directory as it would be published: publint (strict) for
// the package.json and file layout, @arethetypeswrong/cli for the types every resolution mode
// sees. Fails on any problem.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('publint', ['--strict']);
const { exports = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
const subpaths = Object.keys(exports).filter((key) => key !== '.' && key !== './package.json');
if (subpaths.length === 0) {
  run('attw', ['--pack', '.']);
} else {
  // node10 (TypeScript's legacy `moduleResolution: node`) ignores `exports`, so it can never
  // resolve a subpath such as `@redgrid/rate-limit/http`: the root stays checked in every mode
  // (node10 finds it through `main` / `types`), the subpaths in the modes that read `exports`.
  run('attw', ['--pack', '.', '--entrypoints', '.']);
  run('attw', ['--pack', '.', '--profile', 'node16']);
}
