import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompatError } from './errors/compat-error.js';
import { copyWorkspace } from './matrix/copy-workspace.js';
import {
  type CompatReport,
  hasFailures,
  renderMarkdown,
  replaceReadmeTable,
} from './matrix/report.js';
import { runScenario, type WorkspaceCopy } from './matrix/run-scenario.js';
import { scenarios } from './matrix/scenarios.js';

// Usage: pnpm test:compat [--only ioredis-5,nest-11] [--all] [--typecheck] [--write-readme]
//                         [--strict] [--keep] [--timeout-minutes 10]
// Runs the tests that touch each dependency against the newest ioredis 6.x and 5.x, Nest 12 and
// 11, Express 5 and 4, in a copy of the workspace (the repository's lockfile and node_modules
// are never touched). A scenario whose newest releases are the locked ones is not run (the whole
// `pnpm test` suite runs on them) unless --all. Prints the table and writes tooling/compat/results/latest.{md,json}.
// Reports, never fails: exit 0 even with failures, unless --strict.
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    all: { type: 'boolean', default: false },
    typecheck: { type: 'boolean', default: false },
    'write-readme': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'timeout-minutes': { type: 'string', default: '10' },
  },
});
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const resultsDirectory = fileURLToPath(new URL('../results/', import.meta.url));
const only = values.only?.split(',').filter((id) => id !== '');
const selected = scenarios.filter((scenario) => only === undefined || only.includes(scenario.id));
if (selected.length === 0)
  throw new CompatError(
    'ERR_COMPAT_USAGE',
    `--only ${values.only} matches no scenario: use ${scenarios.map(({ id }) => id).join(', ')}`,
  );
const timeoutMs = Number(values['timeout-minutes']) * 60_000;

const started = Date.now();
await mkdir(resultsDirectory, { recursive: true });
const root = await mkdtemp(path.join(tmpdir(), 'redgrid-compat-'));
const report: CompatReport = {
  date: new Date().toISOString(),
  node: process.version,
  scenarios: [],
  totalMs: 0,
};
try {
  const copied = await copyWorkspace(repoRoot, root);
  const copy: WorkspaceCopy = {
    root,
    repoRoot,
    lockfile: await readFile(path.join(root, 'pnpm-lock.yaml'), 'utf8'),
    workspaceYaml: await readFile(path.join(root, 'pnpm-workspace.yaml'), 'utf8'),
  };
  if (/^overrides:/m.test(copy.workspaceYaml))
    throw new CompatError(
      'ERR_COMPAT_USAGE',
      'pnpm-workspace.yaml already has overrides: merge them in tooling/compat/src/matrix/run-scenario.ts',
    );
  console.log(`pnpm test:compat: ${copied} files copied to ${root}`);
  for (const scenario of selected) {
    const result = await runScenario({
      copy,
      scenario,
      outputDirectory: resultsDirectory,
      typecheck: values.typecheck,
      all: values.all,
      timeoutMs,
    });
    report.scenarios.push(result);
    const rows = result.rows
      .map((row) =>
        row.status === 'same-as-lockfile'
          ? `${row.label} ${row.resolved ?? '?'}: same as the lockfile, not run`
          : `${row.label} ${row.resolved ?? '?'}: ${row.passed} passed, ${row.failed} failed`,
      )
      .join('; ');
    console.log(
      `${scenario.id}: ${result.error ?? rows} (install ${Math.round(result.installMs / 1000)} s, tests ${Math.round(result.testMs / 1000)} s, ${result.files.length} files)`,
    );
  }
} finally {
  if (values.keep) console.log(`kept ${root}`);
  else await rm(root, { recursive: true, force: true });
}
report.totalMs = Date.now() - started;

const markdown = renderMarkdown(report);
console.log(`\n${markdown}`);
await writeFile(path.join(resultsDirectory, 'latest.md'), markdown);
await writeFile(path.join(resultsDirectory, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log('Written: tooling/compat/results/latest.md and latest.json');
if (values['write-readme']) {
  const readme = path.join(repoRoot, 'README.md');
  await writeFile(readme, replaceReadmeTable(await readFile(readme, 'utf8'), markdown));
  console.log('README.md compatibility table updated.');
}
if (hasFailures(report)) {
  console.log('Compatibility failures found (listed above).');
  if (values.strict) process.exitCode = 1;
}
