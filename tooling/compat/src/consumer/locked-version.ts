import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CompatError } from '../errors/compat-error.js';

/**
 * The version of `name` that the workspace package in `fromDirectory` resolves, read from the
 * installed `node_modules` the way Node resolves it (the package's own folder first, then its
 * parents up to `repoRoot`). After `pnpm install --frozen-lockfile` (or pnpm's
 * `verifyDepsBeforeRun`) that is exactly the version in pnpm-lock.yaml, so an install test that
 * pins it tests what the lockfile tests; in a `pnpm test:compat` copy it is the overridden one.
 * An alias (`express4` → `npm:express@^4`) reports the aliased package's version.
 */
export async function lockedVersion(
  repoRoot: string,
  fromDirectory: string,
  name: string,
): Promise<string> {
  const root = path.resolve(repoRoot);
  let directory = path.resolve(fromDirectory);
  for (;;) {
    try {
      const manifest = JSON.parse(
        await readFile(path.join(directory, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string };
      return manifest.version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (directory === root || path.dirname(directory) === directory) break;
    directory = path.dirname(directory);
  }
  throw new CompatError(
    'ERR_COMPAT_NOT_INSTALLED',
    `${name} is not installed for ${path.relative(root, fromDirectory) || '.'}: run \`pnpm install\` (or add ${name} to that package's devDependencies)`,
  );
}
