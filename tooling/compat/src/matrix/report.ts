import { CompatError } from '../errors/compat-error.js';
import type { ScenarioResult } from './run-scenario.js';

/** Everything one `pnpm test:compat` run found; written as JSON next to the markdown. */
export interface CompatReport {
  date: string;
  node: string;
  scenarios: ScenarioResult[];
  totalMs: number;
}

/** The README's compatibility table sits between these two lines. */
export const readmeMarkers = {
  start: '<!-- compat-table:start (pnpm test:compat --write-readme) -->',
  end: '<!-- compat-table:end -->',
} as const;

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** True when a scenario failed to run or any of its rows has a failing test or typecheck. */
export function hasFailures(report: CompatReport): boolean {
  return report.scenarios.some(
    (scenario) =>
      scenario.error !== undefined ||
      scenario.typecheck?.passed === false ||
      scenario.rows.some((row) => row.failed > 0),
  );
}

/**
 * The compatibility table in markdown: one row per dependency and major, with the version the
 * lockfile has, the newest version the run resolved, the tests run and their outcome, then the
 * failures (at most `maxFailures` per row). Rows of one scenario share its time.
 */
export function renderMarkdown(report: CompatReport, maxFailures = 10): string {
  const lines = [
    `Last run: ${report.date.slice(0, 10)} on Node ${report.node}, against the newest releases published then (\`pnpm test:compat\`, ${seconds(report.totalMs)} in all).`,
    '',
    '| dependency | locked | newest | tests run on the newest | passed | failed | skipped | time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const details: string[] = [];
  for (const scenario of report.scenarios) {
    const time = seconds(scenario.installMs + scenario.testMs);
    for (const row of scenario.rows) {
      const versions = `| ${row.label} | ${row.locked ?? '-'} | ${row.resolved ?? '-'} |`;
      if (row.status === 'same-as-lockfile') {
        lines.push(
          `${versions} same as the lockfile: \`pnpm test\` runs the whole suite on it | - | - | - | - |`,
        );
        continue;
      }
      if (row.status === 'not-run') {
        lines.push(`${versions} ${row.suites} | - | not run | - | ${time} |`);
        continue;
      }
      const typecheck =
        scenario.typecheck === undefined
          ? ''
          : scenario.typecheck.passed
            ? '; tsc ok'
            : '; tsc FAILED';
      lines.push(
        `${versions} ${row.suites}${typecheck} | ${row.passed} | ${row.failed} | ${row.skipped} | ${time} |`,
      );
      for (const failure of row.failures.slice(0, maxFailures))
        details.push(`- ${row.label} ${row.resolved ?? ''}: ${failure}`);
      if (row.failures.length > maxFailures)
        details.push(`- ${row.label}: ${row.failures.length - maxFailures} more failures`);
    }
    if (scenario.error !== undefined)
      details.push(`- ${scenario.id}: ${scenario.error.split('\n').slice(0, 3).join(' ')}`);
    if (scenario.typecheck?.passed === false)
      details.push(
        `- ${scenario.id} typecheck: ${scenario.typecheck.output.split('\n').slice(0, 3).join(' ')}`,
      );
  }
  if (details.length > 0) lines.push('', 'Failures:', '', ...details);
  return `${lines.join('\n')}\n`;
}

/**
 * Replaces what sits between the compatibility markers of `readme` with `table`. A README
 * without both markers is an error naming them (add them where the table belongs).
 */
export function replaceReadmeTable(readme: string, table: string): string {
  const start = readme.indexOf(readmeMarkers.start);
  const end = readme.indexOf(readmeMarkers.end);
  if (start === -1 || end === -1 || end < start)
    throw new CompatError(
      'ERR_COMPAT_README',
      `README.md lacks the lines "${readmeMarkers.start}" and "${readmeMarkers.end}" (in that order): add them where the compatibility table belongs`,
    );
  return `${readme.slice(0, start + readmeMarkers.start.length)}\n\n${table.trimEnd()}\n\n${readme.slice(end)}`;
}
