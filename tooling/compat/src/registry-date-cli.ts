import { fileURLToPath } from 'node:url';
import {
  lockedRegistryVersions,
  publishTimes,
  readRegistryDate,
  writeRegistryDate,
} from './consumer/registry-date.js';
import { CompatError } from './errors/compat-error.js';

// Usage: pnpm compat:registry-date [--check]
// Sets tooling/compat/registry-date.json to the publish time of the newest version the install
// tests pin from pnpm-lock.yaml: the earliest date before which npm can still install every
// pinned version. Run it after changing pnpm-lock.yaml and commit the file. `--check` only
// reports whether the committed date is still valid (exit 1 when it is not).
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const check = process.argv.includes('--check');

const pins = await lockedRegistryVersions(repoRoot);
const times = await publishTimes(pins.values());
const newest = times[0];
if (newest === undefined)
  throw new CompatError(
    'ERR_COMPAT_USAGE',
    'the consumers pin no registry package: check src/consumer/consumers.ts',
  );
const current = await readRegistryDate().catch(() => undefined);
for (const { name, version, publishedAt } of times)
  console.log(`${publishedAt}  ${name}@${version}`);

if (check) {
  const valid = current !== undefined && Date.parse(current) >= Date.parse(newest.publishedAt);
  console.log(
    valid
      ? `registry date ${current} is valid (newest pin: ${newest.name}@${newest.version}).`
      : `registry date ${current ?? '(none)'} is before ${newest.name}@${newest.version} (${newest.publishedAt}): run pnpm compat:registry-date.`,
  );
  process.exitCode = valid ? 0 : 1;
} else {
  await writeRegistryDate(newest.publishedAt);
  console.log(
    `registry date: ${current ?? '(none)'} -> ${newest.publishedAt} (${newest.name}@${newest.version}); commit tooling/compat/registry-date.json`,
  );
}
