import type { SuiteReport } from './run-suite.js';

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** Renders one suite's results as a markdown section: a table, then the suite's notes. */
export function renderMarkdown(report: SuiteReport): string {
  const { suite } = report;
  const shape =
    suite.kind === 'load' ? `load, ${suite.concurrency ?? 50} concurrent callers` : 'micro';
  const lines = [
    `## ${suite.name}`,
    '',
    `${suite.description} (${shape})`,
    '',
    '| case | ops/s | p50 (µs) | p99 (µs) | ratio to baseline |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const result of report.results) {
    const name = result.baseline ? `${result.name} (baseline)` : result.name;
    lines.push(
      `| ${name} | ${formatNumber(result.opsPerSecond)} | ${formatNumber(result.p50Us)} | ${formatNumber(result.p99Us)} | ${result.ratio.toFixed(2)}x |`,
    );
  }
  if (report.notes.length > 0) lines.push('', ...report.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}
