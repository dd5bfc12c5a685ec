import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from '../consumer/run-command.js';

/**
 * Copies the repository's working tree (tracked files and untracked ones that are not
 * ignored, as they are on disk: uncommitted changes included) into `destination`, without
 * node_modules, build output or .git. `pnpm test:compat` installs and tests there, so the
 * repository's own lockfile and node_modules are never touched.
 */
export async function copyWorkspace(repoRoot: string, destination: string): Promise<number> {
  const { stdout } = await runCommand(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate'],
    { cwd: repoRoot },
  );
  let copied = 0;
  for (const file of stdout.split('\0')) {
    if (file === '') continue;
    const target = path.join(destination, file);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await copyFile(path.join(repoRoot, file), target);
      copied++;
    } catch (error) {
      // A tracked file deleted in the working tree is absent from the copy too.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return copied;
}
