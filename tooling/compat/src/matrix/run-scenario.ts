import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lockedVersion } from '../consumer/locked-version.js';
import { runCommand } from '../consumer/run-command.js';
import { newestVersion, parseSpec } from './newest-version.js';
import type { CompatScenario } from './scenarios.js';
import { testFiles } from './test-files.js';
import { countTests, type TestCounts, type VitestJsonReport } from './vitest-report.js';

/** A copy of the workspace made by `copyWorkspace`, with its pristine lockfile and settings. */
export interface WorkspaceCopy {
  root: string;
  /** The repository the copy was made from (its installed versions are the locked ones). */
  repoRoot: string;
  lockfile: string;
  workspaceYaml: string;
}

/** One row of the result: a dependency at the version resolved, and its tests. */
export interface RowResult extends TestCounts {
  label: string;
  package: string;
  locked: string | undefined;
  /** The version installed and tested (the newest in range, or the locked one when equal). */
  resolved: string | undefined;
  suites: string;
  /**
   * `tested`: the tests ran on `resolved`. `same-as-lockfile`: the newest release is the
   * locked one, which `pnpm test` runs every test on, so the scenario did not run (unless
   * `--all`). `not-run`: the scenario failed before its tests (see `error`).
   */
  status: 'tested' | 'same-as-lockfile' | 'not-run';
}

/** What one scenario did: install, optional typecheck, tests. */
export interface ScenarioResult {
  id: string;
  /** The overrides as written: each range pinned to the newest release it allowed. */
  overrides: Record<string, string>;
  files: string[];
  installMs: number;
  testMs: number;
  /** `undefined` when not asked for (`--typecheck`). */
  typecheck: { passed: boolean; output: string } | undefined;
  /** Set when the scenario could not run its tests (install failed, Vitest crashed). */
  error: string | undefined;
  rows: RowResult[];
  log: string;
}

/** Options for {@link runScenario}. */
export interface RunScenarioOptions {
  copy: WorkspaceCopy;
  scenario: CompatScenario;
  /** Folder for the Vitest log and JSON report of the scenario. */
  outputDirectory: string;
  typecheck: boolean;
  /** Run even when every overridden dependency's newest release is the locked one. */
  all: boolean;
  /** A scenario still running after this is stopped and reported as failed. */
  timeoutMs: number;
}

function yamlOverrides(overrides: Record<string, string>): string {
  const lines = Object.entries(overrides).map(
    ([name, spec]) => `  ${JSON.stringify(name)}: ${JSON.stringify(spec)}`,
  );
  return `\n# Written by pnpm test:compat in its copy of the workspace.\noverrides:\n${lines.join('\n')}\n`;
}

function runVitest(
  copy: WorkspaceCopy,
  files: readonly string[],
  jsonFile: string,
  logFile: string,
  timeoutMs: number,
): Promise<number | null> {
  const vitest = path.join(copy.root, 'node_modules', 'vitest', 'vitest.mjs');
  const args = [
    vitest,
    'run',
    '--config',
    'tooling/config/vitest.config.ts',
    // Two workers even on two cores: integration files mostly wait on redis-server processes.
    '--maxWorkers=2',
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${jsonFile}`,
    ...files,
  ];
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, args, {
      cwd: copy.root,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGTERM',
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', reject);
    child.once('close', (code) => {
      log.end(() => resolve(code));
    });
  });
}

/**
 * Runs one scenario in the workspace copy: pins each override to the newest release its range
 * allows (asked of the registry now), and when that differs from the lockfile (or with `all`),
 * restores the original lockfile, adds the pinned pnpm `overrides`, `pnpm install
 * --no-frozen-lockfile` (so only the overridden dependencies move), reads the versions
 * installed, optionally type-checks, then runs the scenario's test files with Vitest and counts
 * them per row. A failure to resolve, install or run is reported in `error`, never thrown.
 */
export async function runScenario(options: RunScenarioOptions): Promise<ScenarioResult> {
  const { copy, scenario, outputDirectory, timeoutMs } = options;
  const log = path.join(outputDirectory, `${scenario.id}.log`);
  const jsonFile = path.join(outputDirectory, `${scenario.id}.vitest.json`);
  const result: ScenarioResult = {
    id: scenario.id,
    overrides: {},
    files: [],
    installMs: 0,
    testMs: 0,
    typecheck: undefined,
    error: undefined,
    rows: [],
    log,
  };
  const locked = (name: string) =>
    lockedVersion(copy.repoRoot, path.join(copy.repoRoot, scenario.lockedFrom), name).catch(
      () => undefined,
    );
  const installed = (name: string) =>
    lockedVersion(copy.root, path.join(copy.root, scenario.lockedFrom), name).catch(
      () => undefined,
    );
  const addRows = async (status: RowResult['status'], newest: Map<string, string>) => {
    for (const row of scenario.rows)
      result.rows.push({
        label: row.label,
        package: row.package,
        locked: await locked(row.package),
        resolved: status === 'tested' ? await installed(row.package) : newest.get(row.package),
        suites: row.description ?? scenario.description,
        status,
        passed: 0,
        failed: 0,
        skipped: 0,
        failures: [],
      });
  };
  const fail = async (stage: string, error: unknown, newest: Map<string, string>) => {
    result.error = `${stage} failed: ${error instanceof Error ? error.message : String(error)}`;
    await addRows('not-run', newest);
    return result;
  };

  let started = Date.now();
  const newest = new Map<string, string>();
  let sameAsLockfile = true;
  try {
    result.files = await testFiles(copy.root, scenario.suites);
    for (const [name, spec] of Object.entries(scenario.overrides)) {
      const { registryName, range } = parseSpec(name, spec);
      const version = await newestVersion(registryName, range);
      newest.set(name, version);
      result.overrides[name] = registryName === name ? version : `npm:${registryName}@${version}`;
      if ((await locked(name)) !== version) sameAsLockfile = false;
    }
  } catch (error) {
    return fail('resolving the newest versions', error, newest);
  }
  if (sameAsLockfile && !options.all) {
    result.installMs = Date.now() - started;
    await addRows('same-as-lockfile', newest);
    return result;
  }

  try {
    await writeFile(path.join(copy.root, 'pnpm-lock.yaml'), copy.lockfile);
    await writeFile(
      path.join(copy.root, 'pnpm-workspace.yaml'),
      copy.workspaceYaml + yamlOverrides(result.overrides),
    );
    const install = await runCommand('pnpm', ['install', '--no-frozen-lockfile'], {
      cwd: copy.root,
      env: { ...process.env, CI: 'true' },
    });
    await writeFile(
      log,
      `$ pnpm install --no-frozen-lockfile\n${install.stdout}${install.stderr}\n`,
    );
  } catch (error) {
    result.installMs = Date.now() - started;
    return fail('pnpm install', error, newest);
  }
  result.installMs = Date.now() - started;
  await addRows('tested', newest);

  if (options.typecheck) {
    const outputs: string[] = [];
    let passed = true;
    const tsc = path.join(copy.root, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const project of scenario.typecheck) {
      await runCommand(process.execPath, [tsc, '-p', project], { cwd: copy.root }).catch(
        (error: unknown) => {
          passed = false;
          outputs.push(`${project}: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    }
    result.typecheck = { passed, output: outputs.join('\n') };
  }

  started = Date.now();
  await rm(jsonFile, { force: true });
  const code = await runVitest(copy, result.files, jsonFile, `${log}.vitest`, timeoutMs);
  result.testMs = Date.now() - started;
  const report = await readFile(jsonFile, 'utf8')
    .then((text) => JSON.parse(text) as VitestJsonReport)
    .catch(() => undefined);
  if (report === undefined) {
    result.error = `Vitest exited ${code} without a report (timeout ${timeoutMs} ms?): see ${log}.vitest`;
    for (const row of result.rows) row.status = 'not-run';
    return result;
  }
  scenario.rows.forEach((row, index) => {
    const counts = countTests(report, copy.root, row.tests);
    const target = result.rows[index];
    if (target !== undefined) Object.assign(target, counts);
  });
  return result;
}
