/** One row of the compatibility table: a dependency at the version a scenario resolved. */
export interface CompatRow {
  /** What the table names, e.g. `ioredis 6.x`. */
  label: string;
  /** The dependency (name as the workspace depends on it, alias included) whose version is shown. */
  package: string;
  /** Count only the tests whose full name matches (e.g. Express 4 of tests run on both). */
  tests?: { include?: RegExp; exclude?: RegExp };
  /** Replaces the scenario's `description` for this row. */
  description?: string;
}

/**
 * One `pnpm test:compat` run: a copy of the workspace with pnpm `overrides` forcing the newest
 * published version in each range, and the test files that touch that dependency.
 */
export interface CompatScenario {
  /** Stable id, for `--only`. */
  id: string;
  /** Dependency name (alias included) -> range or `npm:` alias spec; pinned to the newest match. */
  overrides: Record<string, string>;
  /** Workspace folder whose installed versions are the locked (and, in the copy, tested) ones. */
  lockedFrom: string;
  /** Folders or files (relative to the repository root) whose tests run; see `testFiles`. */
  suites: readonly string[];
  /** The tests, in a few words, for the table. */
  description: string;
  /** tsconfig files checked with `--typecheck`. */
  typecheck: readonly string[];
  rows: readonly CompatRow[];
}

/** Test files the scenarios never run: the npm install tests pin the lockfile on purpose. */
export const excludedTestFiles = /\/install\/[^/]*\.test\.ts$/;

// The test files that import ioredis or drive it against real servers (standalone, cluster,
// sentinel; commands, pipelines, pub/sub, Lua), a few seconds each. The long fault files
// (killed masters, paused servers, TLS/ACL) stay in `pnpm test` on the locked version.
const ioredisSuites = [
  'packages/connection/src/ioredis/internals.test.ts',
  'packages/connection/src/options/to-ioredis-options.test.ts',
  'packages/connection/src/cluster/guard-cluster-pipelines.test.ts',
  'packages/connection/src/guard/command-guard.test.ts',
  'packages/connection/src/guard/is-connection-failure.test.ts',
  'packages/connection/src/connection/create-connection.int.test.ts',
  'packages/fallback/src/resilient/resilient-store.int.test.ts',
  'packages/cache/src/cache/cache.int.test.ts',
  'packages/rate-limit/src/limiter/create-rate-limiter.test.ts',
  'packages/rate-limit/src/limiter/create-rate-limiter.int.test.ts',
  'packages/partitioning/src/partitioned-redis',
  'packages/partitioning/src/migration/sentinel-node.int.test.ts',
  'packages/express/src/store/express-rate-limit-store.int.test.ts',
] as const;
const ioredisDescription =
  'ioredis-facing unit + integration files of connection, fallback, cache, rate-limit, partitioning, express store';

// The Nest-facing files: the module, its guards, interceptors and terminus indicator on real
// servers, the package's exports, and the demo app end to end. The taskflow cluster and
// sentinel e2e files test topology, not Nest, and stay in `pnpm test`.
const nestSuites = [
  'packages/nestjs/src/module',
  'packages/nestjs/src/index.test.ts',
  'apps/taskflow/src/e2e-standalone.int.test.ts',
] as const;
const nestPackages = ['common', 'core', 'platform-express', 'testing', 'terminus'] as const;
const nest = (major: number): CompatScenario => ({
  id: `nest-${major}`,
  overrides: Object.fromEntries(nestPackages.map((name) => [`@nestjs/${name}`, `^${major}`])),
  lockedFrom: 'packages/nestjs',
  suites: nestSuites,
  description:
    'packages/nestjs RedisModule (standalone, cluster, sentinel) + exports; taskflow standalone e2e',
  typecheck: ['packages/nestjs/tsconfig.json', 'apps/taskflow/tsconfig.json'],
  rows: [{ label: `Nest ${major}`, package: '@nestjs/core' }],
});

/**
 * The compatibility matrix: the newest ioredis 6.x and 5.x, Nest 12 and 11 (common, core,
 * platform-express, testing and terminus of that major; throttler 6 serves both), Express 5
 * and 4. The Express tests already run every HTTP case on both majors (`express` and the
 * `express4` alias), so one scenario moves both to their newest release and the table splits
 * the tests by the major they ran on.
 */
export const scenarios: readonly CompatScenario[] = [
  {
    id: 'ioredis-6',
    overrides: { ioredis: '^6' },
    lockedFrom: 'packages/connection',
    suites: ioredisSuites,
    description: ioredisDescription,
    typecheck: ['packages/connection/tsconfig.json'],
    rows: [{ label: 'ioredis 6.x', package: 'ioredis' }],
  },
  {
    id: 'ioredis-5',
    overrides: { ioredis: '^5' },
    lockedFrom: 'packages/connection',
    suites: ioredisSuites,
    description: ioredisDescription,
    typecheck: ['packages/connection/tsconfig.json'],
    rows: [{ label: 'ioredis 5.x', package: 'ioredis' }],
  },
  nest(12),
  nest(11),
  {
    id: 'express',
    overrides: { express: '^5', express4: 'npm:express@^4', '@types/express': '^5' },
    lockedFrom: 'packages/express',
    // The files that run HTTP through Express (each case on both majors where it applies),
    // and the demo app end to end; the pure helpers' unit tests stay in `pnpm test`.
    suites: [
      'packages/express/src/cluster.int.test.ts',
      'packages/express/src/health',
      'packages/express/src/metrics/metrics-handler.int.test.ts',
      'packages/express/src/rate-limit/rate-limit.int.test.ts',
      'packages/express/src/rate-limit/rate-limit-outage.int.test.ts',
      'packages/express/src/store',
      'apps/taskflow/src/e2e-standalone.int.test.ts',
    ],
    description: '',
    typecheck: ['packages/express/tsconfig.json'],
    rows: [
      {
        label: 'Express 5',
        package: 'express',
        tests: { exclude: /\bexpress 4\b/ },
        description:
          'packages/express HTTP integration files (Express 5 cases) + taskflow standalone e2e',
      },
      {
        label: 'Express 4',
        package: 'express4',
        tests: { include: /\bexpress 4\b/ },
        description: 'packages/express HTTP cases run on Express 4',
      },
    ],
  },
];
