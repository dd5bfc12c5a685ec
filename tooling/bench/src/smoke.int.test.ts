import { describe, expect, it } from 'vitest';
import { discoverSuites } from './discover-suites.js';
import { renderMarkdown } from './report.js';
import { runSuite } from './run-suite.js';

// Every benchmark runs here with tiny iteration counts, so that none rots between `pnpm bench`
// runs. Nothing here asserts a speed: only that every case ran and produced figures.
const suites = await discoverSuites();

describe('benchmark smoke run', () => {
  it('finds the suites', () => {
    expect(suites.length).toBeGreaterThan(0);
  });

  for (const suite of suites) {
    it(`runs ${suite.name}`, async () => {
      const report = await runSuite(suite, { smoke: true });
      expect(report.results.length).toBeGreaterThan(0);
      for (const result of report.results) {
        expect(result.operations, result.name).toBeGreaterThan(0);
        expect(Number.isFinite(result.opsPerSecond), result.name).toBe(true);
      }
      expect(report.results.filter((result) => result.baseline)).toHaveLength(1);
      expect(renderMarkdown(report)).toContain(`## ${suite.name}`);
    });
  }
});
