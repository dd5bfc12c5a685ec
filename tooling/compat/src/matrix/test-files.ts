import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CompatError } from '../errors/compat-error.js';
import { excludedTestFiles } from './scenarios.js';

/**
 * The test files (`*.test.ts`, unit and integration) under each of `suites` (folders or
 * files, relative to `root`), sorted, without the npm install tests. A suite path that does
 * not exist is an error, so that a renamed test file cannot silently drop out of the matrix.
 */
export async function testFiles(root: string, suites: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  const walk = async (relative: string): Promise<void> => {
    const absolute = path.join(root, relative);
    const info = await stat(absolute).catch(() => undefined);
    if (info === undefined)
      throw new CompatError(
        'ERR_COMPAT_USAGE',
        `compat suite ${relative} does not exist: update tooling/compat/src/matrix/scenarios.ts`,
      );
    if (info.isFile()) {
      if (relative.endsWith('.test.ts') && !excludedTestFiles.test(`/${relative}`))
        files.add(relative);
      return;
    }
    for (const entry of await readdir(absolute, { withFileTypes: true }))
      if (entry.name !== 'node_modules') await walk(path.posix.join(relative, entry.name));
  };
  for (const suite of suites) await walk(suite);
  return [...files].sort();
}
