import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CompatError } from '../errors/compat-error.js';
import { buildAndPack } from './build-and-pack.js';
import type { ConsumerSpec } from './consumers.js';
import { lockedVersion } from './locked-version.js';
import {
  lockedRegistryVersions,
  publishTimes,
  readRegistryDate,
  registryDateFile,
} from './registry-date.js';
import { runCommand } from './run-command.js';
import { workspaceClosure } from './workspace-closure.js';

/** Options for {@link installConsumerProject}. */
export interface InstallConsumerOptions {
  repoRoot: string;
  consumer: ConsumerSpec;
  /** An empty folder for the application (the caller creates and removes it). */
  directory: string;
}

/** A consumer application installed with npm, ready for its source files. */
export interface ConsumerProject {
  directory: string;
  /** The @redgrid packages packed and installed (the entry and its workspace dependencies). */
  packed: string[];
  /** Each direct dependency with the exact version written in package.json (the locked one). */
  pinned: Record<string, string>;
  /** The registry date npm resolved everything else before. */
  registryDate: string;
  timingsMs: { buildAndPack: number; npmInstall: number };
  /** The version of `name` installed in the application's node_modules. */
  installedVersion(name: string): Promise<string>;
}

/**
 * Creates the application an npm user would: package.json depends on the packed `entry` and
 * on the consumer's dependencies pinned to the workspace's locked versions; the other @redgrid
 * packages are not on the registry yet, so `overrides` point npm at their tarballs exactly
 * where it would fetch them. `npm install --before=<registry date>` then resolves every
 * transitive dependency as the registry stood at the committed date (registry-date.json), so
 * the outcome cannot change when something new is published. When npm fails and a pinned version
 * was published after that date (checked with the registry), the error is
 * `ERR_COMPAT_REGISTRY_DATE` naming it and how to bump the date.
 */
export async function installConsumerProject(
  options: InstallConsumerOptions,
): Promise<ConsumerProject> {
  const { repoRoot, consumer, directory } = options;
  let started = Date.now();
  const closure = await workspaceClosure(repoRoot, consumer.entry);
  const tarballs = await buildAndPack(
    repoRoot,
    consumer.entry,
    closure,
    path.join(directory, 'tarballs'),
  );
  const buildAndPackMs = Date.now() - started;
  const tarballSpec = (name: string) => {
    const tarball = tarballs.get(name);
    if (tarball === undefined)
      throw new CompatError(
        'ERR_COMPAT_PACK',
        `no tarball was packed for ${name}: is it under packages/?`,
      );
    return `file:${path.relative(directory, tarball).split(path.sep).join('/')}`;
  };

  const pinned: Record<string, string> = {};
  for (const name of [...consumer.dependencies].sort())
    pinned[name] = await lockedVersion(repoRoot, path.join(repoRoot, consumer.lockedFrom), name);
  const overrides = Object.fromEntries(
    closure
      .filter(({ name }) => name !== consumer.entry)
      .map(({ name }) => [name, tarballSpec(name)]),
  );
  const manifest = {
    name: 'redgrid-consumer',
    private: true,
    type: 'module',
    dependencies: { [consumer.entry]: tarballSpec(consumer.entry), ...pinned },
    overrides,
  };
  await writeFile(path.join(directory, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  started = Date.now();
  const registryDate = await readRegistryDate();
  const npmArgs = [
    'install',
    `--before=${registryDate}`,
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--no-package-lock',
    '--loglevel=error',
  ];
  await runCommand('npm', npmArgs, { cwd: directory }).catch(async (error: unknown) => {
    // npm words a version missing before the date in several ways (ETARGET, ERESOLVE with
    // `ioredis@undefined`): ask the registry whether that is the cause instead of parsing them.
    const pins = await lockedRegistryVersions(repoRoot, [consumer]);
    const tooNew = (await publishTimes(pins.values()).catch(() => [])).filter(
      ({ publishedAt }) => Date.parse(publishedAt) > Date.parse(registryDate),
    );
    if (tooNew.length > 0)
      throw new CompatError(
        'ERR_COMPAT_REGISTRY_DATE',
        `${tooNew.map(({ name, version, publishedAt }) => `${name}@${version} (published ${publishedAt})`).join(', ')} is locked in pnpm-lock.yaml but newer than the registry date ${registryDate} in ${registryDateFile}: run \`pnpm compat:registry-date\` and commit the file.`,
        { cause: error },
      );
    throw error;
  });
  const npmInstallMs = Date.now() - started;

  return {
    directory,
    packed: closure.map(({ name }) => name),
    pinned,
    registryDate,
    timingsMs: { buildAndPack: buildAndPackMs, npmInstall: npmInstallMs },
    async installedVersion(name) {
      const installed = JSON.parse(
        await readFile(path.join(directory, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string };
      return installed.version;
    },
  };
}
