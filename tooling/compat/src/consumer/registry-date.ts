import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompatError } from '../errors/compat-error.js';
import { type ConsumerSpec, consumers } from './consumers.js';
import { lockedVersion } from './locked-version.js';
import { runCommand } from './run-command.js';
import { workspaceClosure } from './workspace-closure.js';

/** The committed file holding the date; `pnpm compat:registry-date` rewrites it. */
export const registryDateFile = fileURLToPath(new URL('../../registry-date.json', import.meta.url));

/**
 * The date the install tests pass to `npm install --before`, from tooling/compat/registry-date.json.
 * npm then ignores every version published later, so a consumer's transitive dependencies
 * resolve the same way on every run.
 */
export async function readRegistryDate(): Promise<string> {
  const { before } = JSON.parse(await readFile(registryDateFile, 'utf8')) as { before: string };
  if (Number.isNaN(Date.parse(before)))
    throw new CompatError(
      'ERR_COMPAT_REGISTRY_DATE',
      `${registryDateFile} has no valid "before" date (${before}): run \`pnpm compat:registry-date\``,
    );
  return before;
}

/** A package version the consumers need from the registry, with its publish time. */
export interface PinnedPublish {
  name: string;
  version: string;
  publishedAt: string;
}

/**
 * Every registry version a consumer project installs at a locked version: each consumer's
 * pinned dependencies and the non-workspace runtime dependencies of the packed @redgrid
 * packages, at the versions the workspace resolves. Deduplicated by name@version.
 */
export async function lockedRegistryVersions(
  repoRoot: string,
  specs: readonly ConsumerSpec[] = Object.values(consumers),
): Promise<Map<string, { name: string; version: string }>> {
  const pins = new Map<string, { name: string; version: string }>();
  const add = (name: string, version: string) => pins.set(`${name}@${version}`, { name, version });
  for (const spec of specs) {
    for (const name of spec.dependencies)
      add(name, await lockedVersion(repoRoot, path.join(repoRoot, spec.lockedFrom), name));
    for (const workspacePackage of await workspaceClosure(repoRoot, spec.entry))
      for (const [name, range] of Object.entries(workspacePackage.dependencies))
        if (!range.startsWith('workspace:'))
          add(name, await lockedVersion(repoRoot, workspacePackage.directory, name));
  }
  return pins;
}

/**
 * Looks up (npm registry) when each locked version was published and returns them, newest
 * first: the first one's time is the earliest valid registry date. Network access; used by
 * `pnpm compat:registry-date`, never by a test.
 */
export async function publishTimes(
  pins: Iterable<{ name: string; version: string }>,
): Promise<PinnedPublish[]> {
  const found: PinnedPublish[] = [];
  for (const { name, version } of pins) {
    const { stdout } = await runCommand('npm', ['view', name, 'time', '--json'], {
      cwd: process.cwd(),
    });
    const times = JSON.parse(stdout) as Record<string, string>;
    const publishedAt = times[version];
    if (publishedAt === undefined)
      throw new CompatError(
        'ERR_COMPAT_REGISTRY_DATE',
        `the registry has no publish time for ${name}@${version}: is it published?`,
      );
    found.push({ name, version, publishedAt: new Date(publishedAt).toISOString() });
  }
  return found.sort((a, b) => b.publishedAt.localeCompare(a.publishedAt));
}

/** Writes `before` into tooling/compat/registry-date.json, keeping the file's explanation. */
export async function writeRegistryDate(before: string): Promise<void> {
  const content = JSON.parse(await readFile(registryDateFile, 'utf8')) as Record<string, unknown>;
  await writeFile(registryDateFile, `${JSON.stringify({ ...content, before }, null, 2)}\n`);
}
