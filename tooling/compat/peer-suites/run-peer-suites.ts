// Runs the test suites of @nestjs/throttler and express-rate-limit twice on a copy of their
// source: as published (their in-memory store) and with RedGrid's store swapped in for it, on a
// real redis-server started by the harness. Prints both pass counts per suite and every test
// that fails with RedGrid's store only, marked known (with the reason) or unexpected.
//
//   pnpm exec tsx tooling/compat/peer-suites/run-peer-suites.ts \
//     --throttler <work tree or git dir> --express-rate-limit <work tree or git dir> [--out f.json]
//
// Sources may also come from REDGRID_PEER_THROTTLER / REDGRID_PEER_EXPRESS_RATE_LIMIT. A peer
// without a source, or whose install fails (no registry), prints "skipped: <why>". The script
// never fails CI: it exits 0 unless --strict is given and a test fails with RedGrid's store only
// without being a listed known case.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { startStandalone } from '../../redis-harness/src/index.js';
import { sendCommand } from '../../redis-harness/src/resp/send-command.js';
import { type KnownCase, type Peer, peers } from './peers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const SUITE_TIMEOUT_MS = 20 * 60_000;

interface TestOutcome {
  readonly name: string;
  readonly status: string;
  readonly message: string;
}

interface SuiteCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly total: number;
  readonly tests: readonly TestOutcome[];
  /** Set when jest itself failed to report (crash, timeout). */
  readonly error?: string;
}

interface SuiteReport {
  readonly suite: string;
  /** Scripts Redis ran during the RedGrid run: proof that the swapped store counted there. */
  readonly redisScriptCalls: number;
  readonly baseline: SuiteCounts;
  readonly redgrid: SuiteCounts;
  readonly failingInBaseline: readonly string[];
  readonly knownWithRedGrid: ReadonlyArray<{ test: string; why: string }>;
  readonly unexpectedWithRedGrid: ReadonlyArray<{ test: string; message: string }>;
}

interface PeerReport {
  readonly peer: string;
  readonly version?: string;
  readonly skipped?: string;
  readonly suites: readonly SuiteReport[];
}

function argument(flag: string): string | undefined {
  const args = process.argv.slice(2);
  const index = args.indexOf(flag);
  if (index !== -1) return args[index + 1];
  const inline = args.find((entry) => entry.startsWith(`${flag}=`));
  return inline?.slice(flag.length + 1);
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number; log: string },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('close', async (code) => {
      clearTimeout(timer);
      await writeFile(options.log, output).catch(() => undefined);
      resolve({ code, output });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: String(error) });
    });
  });
}

// A work tree is copied (without node_modules); a git dir gives its HEAD (or --ref) as a tree.
async function copySource(source: string, into: string): Promise<void> {
  const isGitDir =
    existsSync(path.join(source, 'HEAD')) && existsSync(path.join(source, 'objects'));
  if (isGitDir) {
    const ref = argument('--ref') ?? 'HEAD';
    const archive = await run(
      'sh',
      ['-c', `git --git-dir="${source}" archive "${ref}" | tar -x -C "${into}"`],
      { cwd: into, timeoutMs: 120_000, log: path.join(into, '..', 'archive.log') },
    );
    if (archive.code !== 0) throw new Error(`git archive failed: ${archive.output.trim()}`);
    return;
  }
  await cp(source, into, {
    recursive: true,
    filter: (file) => !file.split(path.sep).includes('node_modules'),
  });
}

async function install(peer: Peer, dir: string, logs: string): Promise<void> {
  const frozen = await run('pnpm', ['install', '--frozen-lockfile', '--ignore-scripts'], {
    cwd: dir,
    timeoutMs: INSTALL_TIMEOUT_MS,
    log: path.join(logs, `${peer.id}-install.log`),
  });
  if (frozen.code === 0) return;
  // The lockfile may pin versions this registry does not have: resolve again without the
  // packages the tests do not use.
  await peer.prepareInstall?.(dir);
  await rm(path.join(dir, 'pnpm-lock.yaml'), { force: true });
  const fresh = await run('pnpm', ['install', '--ignore-scripts'], {
    cwd: dir,
    timeoutMs: INSTALL_TIMEOUT_MS,
    log: path.join(logs, `${peer.id}-install-unlocked.log`),
  });
  if (fresh.code !== 0) {
    const last = fresh.output.trim().split('\n').slice(-3).join(' ');
    throw new Error(`pnpm install failed: ${last}`);
  }
}

async function bundleAdapter(peer: Peer, dir: string): Promise<void> {
  // esbuild comes with vite, a dev dependency of the workspace root.
  const requireFromVite = createRequire(createRequire(import.meta.url).resolve('vite'));
  const esbuild = requireFromVite('esbuild') as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  const name = path.basename(peer.adapter, '.ts');
  await mkdir(path.join(dir, 'redgrid-adapter'), { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(here, peer.adapter)],
    outfile: path.join(dir, 'redgrid-adapter', `${name}.js`),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['@redgrid/source'],
    external: [...peer.external],
    logLevel: 'error',
  });
}

async function runSuite(
  peer: Peer,
  suite: Peer['suites'][number],
  dir: string,
  label: string,
  extraArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  logs: string,
): Promise<SuiteCounts> {
  const output = path.join(logs, `${peer.id}-${suite.name}-${label}.json`);
  await rm(output, { force: true });
  const result = await run(
    'node',
    [
      'node_modules/jest/bin/jest.js',
      ...suite.jestArgs,
      ...extraArgs,
      '--json',
      '--outputFile',
      output,
      '--forceExit',
    ],
    {
      cwd: dir,
      env,
      timeoutMs: SUITE_TIMEOUT_MS,
      log: path.join(logs, `${peer.id}-${suite.name}-${label}.log`),
    },
  );
  if (!existsSync(output)) {
    const last = result.output.trim().split('\n').slice(-5).join(' | ');
    return { passed: 0, failed: 0, skipped: 0, total: 0, tests: [], error: last };
  }
  const report = JSON.parse(await readFile(output, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numTotalTests: number;
    testResults: Array<{
      name: string;
      message: string;
      assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }>;
    }>;
  };
  const tests: TestOutcome[] = [];
  let suiteErrors = 0;
  for (const file of report.testResults) {
    if (file.assertionResults.length === 0 && file.message) {
      // A file that failed to load counts as one failure, named after the file.
      suiteErrors++;
      tests.push({
        name: `${path.relative(dir, file.name)} (failed to run)`,
        status: 'failed',
        message: file.message,
      });
    }
    for (const test of file.assertionResults) {
      tests.push({
        name: test.fullName,
        status: test.status,
        message: test.failureMessages.join('\n'),
      });
    }
  }
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + suiteErrors,
    skipped: report.numPendingTests + report.numTodoTests,
    total: report.numTotalTests + suiteErrors,
    tests,
  };
}

function firstLine(message: string): string {
  const line = message
    .split('\n')
    .map((entry) => entry.trim())
    .find((entry) => entry.length > 0 && !entry.startsWith('at '));
  return stripVTControlCharacters(line ?? '').slice(0, 200);
}

// EVAL and EVALSHA calls the server has run so far.
async function scriptCalls(env: NodeJS.ProcessEnv): Promise<number> {
  const target = { host: env.REDIS_HOST ?? '127.0.0.1', port: Number(env.REDIS_PORT) };
  const info = String(await sendCommand(target, ['INFO', 'commandstats']));
  let calls = 0;
  for (const match of info.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)) calls += Number(match[1]);
  return calls;
}

function compare(
  suite: string,
  baseline: SuiteCounts,
  redgrid: SuiteCounts,
  known: readonly KnownCase[],
  redisScriptCalls: number,
): SuiteReport {
  const failedInBaseline = new Set(
    baseline.tests.filter((test) => test.status === 'failed').map((test) => test.name),
  );
  const knownWithRedGrid: Array<{ test: string; why: string }> = [];
  const unexpectedWithRedGrid: Array<{ test: string; message: string }> = [];
  for (const test of redgrid.tests) {
    if (test.status !== 'failed' || failedInBaseline.has(test.name)) continue;
    const reason = known.find((entry) => entry.test.test(test.name));
    if (reason) knownWithRedGrid.push({ test: test.name, why: reason.why });
    else unexpectedWithRedGrid.push({ test: test.name, message: firstLine(test.message) });
  }
  return {
    suite,
    redisScriptCalls,
    baseline,
    redgrid,
    failingInBaseline: [...failedInBaseline],
    knownWithRedGrid,
    unexpectedWithRedGrid,
  };
}

async function runPeer(peer: Peer, env: NodeJS.ProcessEnv, logs: string): Promise<PeerReport> {
  const source = argument(peer.flag) ?? process.env[peer.envVariable];
  if (source === undefined || source === '') {
    return {
      peer: peer.packageName,
      skipped: `no source given (${peer.flag} <dir> or ${peer.envVariable}=<dir>)`,
      suites: [],
    };
  }
  if (!(await stat(source).catch(() => undefined))?.isDirectory()) {
    return { peer: peer.packageName, skipped: `${source} is not a directory`, suites: [] };
  }
  const work = await mkdtemp(path.join(tmpdir(), `redgrid-peer-${peer.id}-`));
  const dir = path.join(work, 'src');
  await mkdir(dir);
  try {
    await copySource(source, dir);
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
      version?: string;
    };
    try {
      await install(peer, dir, logs);
    } catch (error) {
      return {
        peer: peer.packageName,
        ...(manifest.version === undefined ? {} : { version: manifest.version }),
        skipped: error instanceof Error ? error.message : String(error),
        suites: [],
      };
    }
    const jestArgs = (await peer.prepareJest?.(dir)) ?? [];
    const baselines = [];
    for (const suite of peer.suites) {
      baselines.push(await runSuite(peer, suite, dir, 'baseline', jestArgs, env, logs));
    }
    await bundleAdapter(peer, dir);
    await peer.swap(dir);
    const suites: SuiteReport[] = [];
    for (const [index, suite] of peer.suites.entries()) {
      const callsBefore = await scriptCalls(env);
      const redgrid = await runSuite(peer, suite, dir, 'redgrid', jestArgs, env, logs);
      const calls = (await scriptCalls(env)) - callsBefore;
      const baseline = baselines[index];
      if (baseline) suites.push(compare(suite.name, baseline, redgrid, peer.knownCases, calls));
    }
    return {
      peer: peer.packageName,
      ...(manifest.version === undefined ? {} : { version: manifest.version }),
      suites,
    };
  } finally {
    if (!process.argv.includes('--keep')) await rm(work, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

function counts(suite: SuiteCounts): string {
  if (suite.error !== undefined) return `did not report (${suite.error})`;
  return `${suite.passed}/${suite.total} passed${suite.failed ? `, ${suite.failed} failed` : ''}${suite.skipped ? `, ${suite.skipped} skipped` : ''}`;
}

async function main(): Promise<number> {
  const logs = path.resolve(
    argument('--logs') ?? (await mkdtemp(path.join(tmpdir(), 'redgrid-peer-logs-'))),
  );
  await mkdir(logs, { recursive: true });
  const wanted = peers.filter(
    (peer) => argument(peer.flag) !== undefined || process.env[peer.envVariable] !== undefined,
  );
  const reports: PeerReport[] = [];
  if (wanted.length === 0) {
    for (const peer of peers) {
      reports.push({
        peer: peer.packageName,
        skipped: `no source given (${peer.flag} <dir> or ${peer.envVariable}=<dir>)`,
        suites: [],
      });
    }
  } else {
    const redis = await startStandalone();
    try {
      const env = { REDIS_HOST: redis.host, REDIS_PORT: String(redis.port) };
      for (const peer of peers) reports.push(await runPeer(peer, env, logs));
    } finally {
      await redis.stop();
    }
  }
  let unexpected = 0;
  console.log('\nPeer suites with RedGrid stores swapped in');
  for (const report of reports) {
    const title = `${report.peer}${report.version ? ` ${report.version}` : ''}`;
    if (report.skipped !== undefined) {
      console.log(`${title}: skipped: ${report.skipped}`);
      continue;
    }
    for (const suite of report.suites) {
      console.log(
        `${title} ${suite.suite}: baseline ${counts(suite.baseline)}; RedGrid ${counts(suite.redgrid)} (${suite.redisScriptCalls} script calls on Redis)`,
      );
      if (suite.redisScriptCalls === 0) {
        console.log(
          "  UNEXPECTED: RedGrid's store never reached Redis: the swap did not take effect",
        );
        unexpected++;
      }
      for (const name of suite.failingInBaseline) console.log(`  fails in baseline too: ${name}`);
      for (const { test, why } of suite.knownWithRedGrid)
        console.log(`  known: ${test}\n    ${why}`);
      for (const { test, message } of suite.unexpectedWithRedGrid) {
        console.log(`  UNEXPECTED: ${test}\n    ${message}`);
      }
      unexpected += suite.unexpectedWithRedGrid.length;
      if (suite.redgrid.error !== undefined) unexpected++;
    }
  }
  const out = argument('--out');
  if (out !== undefined) {
    const plain = reports.map((report) => ({
      ...report,
      suites: report.suites.map(({ baseline, redgrid, ...rest }) => ({
        ...rest,
        baseline: { ...baseline, tests: undefined },
        redgrid: { ...redgrid, tests: undefined },
      })),
    }));
    await writeFile(out, `${JSON.stringify(plain, null, 2)}\n`);
  }
  console.log(`logs: ${logs}`);
  return process.argv.includes('--strict') && unexpected > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Never block CI on the tooling itself: report and exit 0 (unless --strict).
    console.log(`skipped: peer suites: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(process.argv.includes('--strict') ? 1 : 0);
  },
);
