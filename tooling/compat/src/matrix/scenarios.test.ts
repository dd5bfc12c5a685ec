import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scenarios } from './scenarios.js';
import { testFiles } from './test-files.js';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

describe('the compat scenarios', () => {
  it('have unique ids and at least one row each', () => {
    expect(new Set(scenarios.map(({ id }) => id)).size).toBe(scenarios.length);
    for (const scenario of scenarios) expect(scenario.rows.length).toBeGreaterThan(0);
  });

  it.each(scenarios.map((scenario) => [scenario.id, scenario] as const))(
    '%s names test files that exist, never the npm install tests',
    async (_id, scenario) => {
      const files = await testFiles(repoRoot, scenario.suites);
      expect(files.length).toBeGreaterThanOrEqual(scenario.suites.length);
      for (const file of files) {
        expect(file).toMatch(/\.test\.ts$/);
        expect(file).not.toMatch(/\/install\//);
      }
    },
  );

  it('rejects a suite path that does not exist (a renamed test file)', async () => {
    await expect(testFiles(repoRoot, ['packages/connection/src/gone.test.ts'])).rejects.toThrow(
      /gone\.test\.ts does not exist/,
    );
  });
});
