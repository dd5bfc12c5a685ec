import { runCommand } from '../consumer/run-command.js';
import { CompatError } from '../errors/compat-error.js';

/** Compares two release versions (`major.minor.patch`) numerically. */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split(/[.+-]/).slice(0, 3).map(Number);
  const [left, right] = [parts(a), parts(b)];
  for (let index = 0; index < 3; index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Splits a pnpm override spec into the registry package and range: `^5` for `ioredis`, or an
 * alias `npm:express@^4` for `express4`.
 */
export function parseSpec(name: string, spec: string): { registryName: string; range: string } {
  const alias = /^npm:(@?[^@]+)@(.+)$/.exec(spec);
  if (alias?.[1] !== undefined && alias[2] !== undefined)
    return { registryName: alias[1], range: alias[2] };
  return { registryName: name, range: spec };
}

/**
 * The newest release (no prerelease) of `registryName` that `range` allows, asked of the npm
 * registry now: what a user who installs `name@range` today gets.
 */
export async function newestVersion(registryName: string, range: string): Promise<string> {
  const { stdout } = await runCommand(
    'npm',
    ['view', `${registryName}@${range}`, 'version', '--json'],
    { cwd: process.cwd() },
  );
  const found = stdout.trim() === '' ? [] : (JSON.parse(stdout) as string | string[]);
  const versions = (Array.isArray(found) ? found : [found]).filter((v) => !v.includes('-'));
  const newest = versions.sort(compareVersions).at(-1);
  if (newest === undefined)
    throw new CompatError(
      'ERR_COMPAT_USAGE',
      `the registry has no release of ${registryName} in ${range}: fix the range in tooling/compat/src/matrix/scenarios.ts`,
    );
  return newest;
}
