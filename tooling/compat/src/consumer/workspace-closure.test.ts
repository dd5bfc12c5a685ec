import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lockedVersion } from './locked-version.js';
import { workspaceClosure } from './workspace-closure.js';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

describe('workspaceClosure', () => {
  it('follows workspace dependencies of the entry, runtime ones only', async () => {
    const closure = await workspaceClosure(repoRoot, '@redgrid/express');
    expect(closure.map(({ name }) => name)).toEqual([
      '@redgrid/connection',
      '@redgrid/core',
      '@redgrid/express',
      '@redgrid/fallback',
      '@redgrid/observability',
      '@redgrid/rate-limit',
    ]);
  });

  it('names a package that is not in the workspace', async () => {
    await expect(workspaceClosure(repoRoot, '@redgrid/nope')).rejects.toMatchObject({
      code: 'ERR_COMPAT_USAGE',
    });
  });
});

describe('lockedVersion', () => {
  it('resolves like Node: the package folder first, then the repository root', async () => {
    const connection = `${repoRoot}/packages/connection`;
    expect(await lockedVersion(repoRoot, connection, 'ioredis')).toMatch(/^\d+\.\d+\.\d+/);
    // @types/node is a root devDependency only.
    expect(await lockedVersion(repoRoot, connection, '@types/node')).toMatch(/^20\./);
    // The alias reports the aliased package's version.
    expect(await lockedVersion(repoRoot, connection, 'ioredis5')).toBe('5.4.0');
  });

  it('names a dependency that is not installed and the fix', async () => {
    await expect(
      lockedVersion(repoRoot, `${repoRoot}/packages/core`, 'left-pad-not-here'),
    ).rejects.toMatchObject({
      code: 'ERR_COMPAT_NOT_INSTALLED',
      message: expect.stringContaining('pnpm install'),
    });
  });
});
