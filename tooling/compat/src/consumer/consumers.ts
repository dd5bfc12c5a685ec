/**
 * An application the install tests build: it depends on `entry` (packed from the workspace)
 * and on `dependencies`, each pinned to the version the workspace package in `lockedFrom`
 * resolves (so the versions of pnpm-lock.yaml).
 */
export interface ConsumerSpec {
  /** The one @redgrid package the application depends on. */
  entry: string;
  /** Workspace folder (relative to the repository root) whose installed versions are pinned. */
  lockedFrom: string;
  /** What a user adds next to `entry`: peers, their types, and `@types/node`. */
  dependencies: readonly string[];
}

/**
 * The consumer applications of the npm install tests, in one place so that the tests and
 * `pnpm compat:registry-date` agree on what must be installable before the registry date.
 */
export const consumers = {
  nestjs: {
    entry: '@redgrid/nestjs',
    lockedFrom: 'packages/nestjs',
    dependencies: [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/platform-express',
      '@types/node',
      'ioredis',
      'reflect-metadata',
      'rxjs',
    ],
  },
  express: {
    entry: '@redgrid/express',
    lockedFrom: 'packages/express',
    dependencies: ['@types/express', '@types/node', 'express', 'ioredis'],
  },
} as const satisfies Record<string, ConsumerSpec>;
