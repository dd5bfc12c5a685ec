#!/usr/bin/env node
// Checks the package in the current directory as it would be published: publint (strict) for
// the package.json and file layout, @arethetypeswrong/cli for the types every resolution mode
// sees. Fails on any problem.
import { spawnSync } from 'node:child_process';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('publint', ['--strict']);
run('attw', ['--pack', '.']);
