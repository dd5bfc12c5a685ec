import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { discoverSuites } from './discover-suites.js';
import { renderMarkdown } from './report.js';
import { runSuite, type SuiteReport } from './run-suite.js';

// Usage: pnpm bench [name-filter ...] [--smoke]
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const smoke = args.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const filters = args.filter((arg) => !arg.startsWith('--'));

const suites = await discoverSuites(filters);
if (suites.length === 0) {
  console.error(`No benchmark suite matches ${filters.join(', ') || '(any)'}.`);
  process.exit(1);
}

const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(`# RedGrid benchmarks\n\nNode ${process.version}, ${cpus().length} x ${cpu}.`);
console.log('Ratios compare cases of the same run; absolute figures vary on a shared machine.\n');

const reports: SuiteReport[] = [];
for (const suite of suites) {
  const report = await runSuite(suite, { smoke });
  reports.push(report);
  console.log(renderMarkdown(report));
}

const resultsDirectory = new URL('../results/', import.meta.url);
await mkdir(resultsDirectory, { recursive: true });
const json = JSON.stringify(
  {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu,
    smoke,
    suites: reports.map((report) => ({
      name: report.suite.name,
      description: report.suite.description,
      kind: report.suite.kind,
      results: report.results,
      notes: report.notes,
    })),
  },
  null,
  2,
);
await writeFile(new URL('latest.json', resultsDirectory), `${json}\n`);
console.log('Results written to tooling/bench/results/latest.json');
