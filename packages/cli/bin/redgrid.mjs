#!/usr/bin/env node
// The `redgrid` command. Installed from npm it runs the compiled dist/esm/main.js. Inside the
// RedGrid repository (a fresh clone after `pnpm install`, no build) it runs the TypeScript
// sources through tsx, resolving the workspace packages to their sources too (the
// `@redgrid/source` export condition), so `pnpm redgrid` and `npx redgrid` need no build step.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/main.ts', import.meta.url);
const workspace = new URL('../../../pnpm-workspace.yaml', import.meta.url);
const inRepository = existsSync(source) && existsSync(workspace);

if (inRepository && process.env.REDGRID_CLI_DIST !== '1') {
  const conditions = `export async function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, '@redgrid/source'] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(conditions)}`);
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  await import(source.href);
} else {
  await import('../dist/esm/main.js');
}
