import { describe, expect, it } from 'vitest';
import { CompatError } from '../errors/compat-error.js';
import {
  type CompatReport,
  hasFailures,
  readmeMarkers,
  renderMarkdown,
  replaceReadmeTable,
} from './report.js';
import type { RowResult, ScenarioResult } from './run-scenario.js';

const row = (overrides: Partial<RowResult>): RowResult => ({
  label: 'ioredis 5.x',
  package: 'ioredis',
  locked: '6.1.0',
  resolved: '5.11.1',
  suites: 'connection files',
  status: 'tested',
  passed: 10,
  failed: 0,
  skipped: 1,
  failures: [],
  ...overrides,
});

const scenario = (rows: RowResult[], overrides: Partial<ScenarioResult> = {}): ScenarioResult => ({
  id: 'ioredis-5',
  overrides: { ioredis: '5.11.1' },
  files: ['a.test.ts'],
  installMs: 2_000,
  testMs: 40_000,
  typecheck: undefined,
  error: undefined,
  rows,
  log: '/tmp/x.log',
  ...overrides,
});

const report = (scenarios: ScenarioResult[]): CompatReport => ({
  date: '2026-12-06T02:00:00.000Z',
  node: 'v20.20.2',
  scenarios,
  totalMs: 100_000,
});

describe('renderMarkdown', () => {
  it('prints one table row per dependency with versions, counts and time', () => {
    const markdown = renderMarkdown(report([scenario([row({})])]));
    expect(markdown).toContain('Last run: 2026-12-06 on Node v20.20.2');
    expect(markdown).toContain(
      '| ioredis 5.x | 6.1.0 | 5.11.1 | connection files | 10 | 0 | 1 | 42 s |',
    );
    expect(markdown).not.toContain('Failures:');
  });

  it('says when the newest release is the locked one instead of inventing counts', () => {
    const markdown = renderMarkdown(
      report([scenario([row({ status: 'same-as-lockfile', locked: '6.1.0', resolved: '6.1.0' })])]),
    );
    expect(markdown).toMatch(
      /\| ioredis 5\.x \| 6\.1\.0 \| 6\.1\.0 \| same as the lockfile.*\| - \| - \| - \| - \|/,
    );
  });

  it('lists failures, capped per row, and scenario errors', () => {
    const failures = Array.from({ length: 12 }, (_, index) => `file.ts > test ${index}`);
    const markdown = renderMarkdown(
      report([
        scenario([row({ failed: 12, failures })]),
        scenario([row({ label: 'Nest 11', status: 'not-run' })], {
          id: 'nest-11',
          error: 'pnpm install failed: ERR_PNPM_PEER',
        }),
      ]),
      10,
    );
    expect(markdown).toContain('- ioredis 5.x 5.11.1: file.ts > test 9');
    expect(markdown).not.toContain('test 10');
    expect(markdown).toContain('- ioredis 5.x: 2 more failures');
    expect(markdown).toContain(
      '| Nest 11 | 6.1.0 | 5.11.1 | connection files | - | not run | - | 42 s |',
    );
    expect(markdown).toContain('- nest-11: pnpm install failed: ERR_PNPM_PEER');
  });
});

describe('hasFailures', () => {
  it('is true for a failing test, a failed typecheck or a scenario that could not run', () => {
    expect(hasFailures(report([scenario([row({})])]))).toBe(false);
    expect(hasFailures(report([scenario([row({ failed: 1 })])]))).toBe(true);
    expect(
      hasFailures(
        report([scenario([row({})], { typecheck: { passed: false, output: 'TS2322' } })]),
      ),
    ).toBe(true);
    expect(hasFailures(report([scenario([row({})], { error: 'install failed' })]))).toBe(true);
  });
});

describe('replaceReadmeTable', () => {
  it('replaces only what sits between the markers', () => {
    const readme = `# Title\n\n${readmeMarkers.start}\nold table\n${readmeMarkers.end}\n\nAfter.\n`;
    const updated = replaceReadmeTable(readme, '| new | table |\n');
    expect(updated).toBe(
      `# Title\n\n${readmeMarkers.start}\n\n| new | table |\n\n${readmeMarkers.end}\n\nAfter.\n`,
    );
    expect(replaceReadmeTable(updated, '| new | table |\n')).toBe(updated);
  });

  it('rejects a README without the markers, naming them', () => {
    let error: unknown;
    try {
      replaceReadmeTable('# Title\n', 'table');
    } catch (caught) {
      error = caught;
    }
    expect(CompatError.isInstance(error) && error.code).toBe('ERR_COMPAT_README');
    expect(String(error)).toContain(readmeMarkers.start);
  });
});
