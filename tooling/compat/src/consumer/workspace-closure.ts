import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CompatError } from '../errors/compat-error.js';

/** A workspace package under `packages/`, as read from its manifest. */
export interface WorkspacePackage {
  name: string;
  version: string;
  directory: string;
  dependencies: Record<string, string>;
}

async function readPublishedPackages(repoRoot: string): Promise<Map<string, WorkspacePackage>> {
  const packages = new Map<string, WorkspacePackage>();
  const folders = await readdir(path.join(repoRoot, 'packages'), { withFileTypes: true });
  for (const folder of folders) {
    if (!folder.isDirectory()) continue;
    const directory = path.join(repoRoot, 'packages', folder.name);
    const manifest = JSON.parse(await readFile(path.join(directory, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      dependencies?: Record<string, string>;
    };
    packages.set(manifest.name, {
      name: manifest.name,
      version: manifest.version,
      directory,
      dependencies: manifest.dependencies ?? {},
    });
  }
  return packages;
}

/**
 * The published workspace packages an application gets when it depends on `entry`: `entry`
 * itself and, transitively, every `workspace:` dependency (runtime `dependencies` only, as npm
 * would install them), sorted by name. Use it to know what to build and pack for an install
 * test; a package missing from `packages/` is an error naming it.
 */
export async function workspaceClosure(
  repoRoot: string,
  entry: string,
): Promise<WorkspacePackage[]> {
  const packages = await readPublishedPackages(repoRoot);
  const closure = new Map<string, WorkspacePackage>();
  const visit = (name: string, requiredBy: string) => {
    if (closure.has(name)) return;
    const found = packages.get(name);
    if (found === undefined)
      throw new CompatError(
        'ERR_COMPAT_USAGE',
        `${name} (required by ${requiredBy}) is not a package under packages/: fix the name or the dependency`,
      );
    closure.set(name, found);
    for (const [dependency, range] of Object.entries(found.dependencies))
      if (range.startsWith('workspace:')) visit(dependency, name);
  };
  visit(entry, 'the install test');
  return [...closure.values()].sort((a, b) => a.name.localeCompare(b.name));
}
