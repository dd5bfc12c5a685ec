import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { discoverSuiteFiles, loadSuite } from './discover-suites.js';
import { renderMarkdown } from './report.js';
import { runSuite } from './run-suite.js';

// Usage: pnpm bench [file-name-filter ...] [--smoke]
// Each suite runs in a child process of its own, so that one suite's heap, JIT state and
// leftover sockets cannot slow the next one down; the cases compared inside a suite always
// share one process.
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const smoke = args.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const childIndex = args.indexOf('--child');
const resultsDirectory = new URL('../results/', import.meta.url);
await mkdir(resultsDirectory, { recursive: true });

if (childIndex !== -1) {
  const file = args[childIndex + 1] ?? '';
  const report = await runSuite(await loadSuite(file), { smoke });
  console.log(renderMarkdown(report));
  const { suite } = report;
  const json = {
    name: suite.name,
    description: suite.description,
    kind: suite.kind,
    results: report.results,
    notes: report.notes,
  };
  await writeFile(new URL(`${file}.json`, resultsDirectory), `${JSON.stringify(json)}\n`);
} else {
  const filters = args.filter((arg) => !arg.startsWith('--'));
  const files = await discoverSuiteFiles(filters);
  if (files.length === 0) {
    console.error(`No benchmark suite file matches ${filters.join(', ') || '(any)'}.`);
    process.exit(1);
  }
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`# RedGrid benchmarks\n\nNode ${process.version}, ${cpus().length} x ${cpu}.`);
  console.log('Ratios compare cases of the same run; absolute figures vary on a shared machine.\n');

  const suites: unknown[] = [];
  for (const file of files) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1] ?? '', '--child', file, ...(smoke ? ['--smoke'] : [])],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) {
      console.error(`Benchmark ${file} failed (exit ${child.status ?? child.signal}).`);
      process.exit(1);
    }
    suites.push(JSON.parse(await readFile(new URL(`${file}.json`, resultsDirectory), 'utf8')));
  }
  const summary = { date: new Date().toISOString(), node: process.version, cpu, smoke, suites };
  await writeFile(
    new URL('latest.json', resultsDirectory),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
  console.log('Results written to tooling/bench/results/latest.json');
}
