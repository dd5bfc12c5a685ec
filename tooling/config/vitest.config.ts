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

export default defineConfig({
  root,
  resolve: { conditions },
  ssr: { resolve: { conditions: serverConditions, externalConditions: ['@redgrid/source'] } },
  test: {
    pool: 'forks',
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
          exclude,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          teardownTimeout: 30_000,
        },
      },
    ],
  },
});
