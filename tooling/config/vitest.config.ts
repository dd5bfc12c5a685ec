import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * One Vitest run for the whole workspace: `pnpm test` at the root runs every package's unit
 * tests (`*.test.ts`) and integration tests (`*.int.test.ts`, real redis-server processes
 * started by tooling/redis-harness) and prints one summary.
 *
 * Workspace packages resolve to their TypeScript sources through the `@redgrid/source`
 * export condition, so tests never need a build.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const conditions = ['@redgrid/source', 'module', 'node'];
// Vitest also passes the SSR conditions to Node (`--conditions`) for the dependencies it does not
// transform. Without `module` there: a CommonJS dependency that requires a package mapping
// `module` to bundler-only ES modules (@opentelemetry/api) gets its CommonJS build, as in
// production, instead of failing on extensionless imports.
const serverConditions = ['@redgrid/source', 'node'];
const exclude = ['**/node_modules/**', '**/dist/**'];
// Most integration files wait on redis-server processes (failovers, expiries, reconnects), not on
// the CPU: four files at a time keep a 2-core machine busy without starving any of them. The
// files that bound a stall relative to a failover they measure run afterwards, one at a time, so
// that no other file's load lands inside the interval they measure.
const workers = 4;
const alone = ['packages/connection/src/connection/faults.int.test.ts'];

export default defineConfig({
  root,
  resolve: { conditions },
  ssr: { resolve: { conditions: serverConditions, externalConditions: ['@redgrid/source'] } },
  test: {
    pool: 'forks',
    maxWorkers: workers,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{packages,apps,tooling}/*/src/**/*.test.ts'],
          exclude: [...exclude, '**/*.int.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{packages,apps,tooling}/*/src/**/*.int.test.ts'],
          exclude: [...exclude, ...alone],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          teardownTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: alone,
          exclude,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          teardownTimeout: 30_000,
        },
      },
    ],
  },
});
