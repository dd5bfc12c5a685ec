import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CompatError } from '../errors/compat-error.js';
import { runCommand } from './run-command.js';
import { withFileLock } from './with-file-lock.js';
import type { WorkspacePackage } from './workspace-closure.js';

/** Entry points every packed package must contain (the `exports` map points at them). */
const requiredEntries = ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/index.d.ts'];

/**
 * Builds `entry` and the workspace packages it depends on (turbo, so what is built is a cache
 * hit), then `pnpm pack`s each package of `packages` into `destination` and returns the
 * tarball path per package name. Pack turns `workspace:^` ranges into real versions, as a
 * publish would. The whole step holds a lock under the repository's `node_modules/.cache`:
 * the npm install tests run in parallel Vitest workers and would otherwise pack a `dist` that
 * another worker's build is rewriting. A tarball lacking a built entry point is an error.
 */
export async function buildAndPack(
  repoRoot: string,
  entry: string,
  packages: readonly WorkspacePackage[],
  destination: string,
): Promise<Map<string, string>> {
  await mkdir(destination, { recursive: true });
  const lockFile = path.join(repoRoot, 'node_modules', '.cache', 'redgrid-build-and-pack.lock');
  return withFileLock(lockFile, async () => {
    await runCommand('pnpm', ['exec', 'turbo', 'run', 'build', `--filter=${entry}...`], {
      cwd: repoRoot,
    });
    const tarballs = new Map<string, string>();
    for (const workspacePackage of packages) {
      const { stdout } = await runCommand(
        'pnpm',
        ['pack', '--json', '--pack-destination', destination],
        { cwd: workspacePackage.directory },
      );
      const packed = JSON.parse(stdout) as { filename: string; files: { path: string }[] };
      const files = new Set(packed.files.map((file) => file.path));
      const missing = requiredEntries.filter((file) => !files.has(file));
      if (missing.length > 0)
        throw new CompatError(
          'ERR_COMPAT_PACK',
          `${workspacePackage.name}'s tarball lacks ${missing.join(', ')}: check its build (\`pnpm --filter ${workspacePackage.name} build\`) and its "files" field`,
        );
      tarballs.set(workspacePackage.name, path.resolve(destination, packed.filename));
    }
    return tarballs;
  });
}
