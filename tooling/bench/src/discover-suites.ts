import { readdir } from 'node:fs/promises';
import type { SuiteDefinition } from './define-suite.js';

const suitesDirectory = new URL('./suites/', import.meta.url);

/**
 * Loads every `src/suites/*.bench.ts` suite, or with filters only those whose file name contains
 * one of them. Filtering by file name, before importing, means that a suite whose package is not
 * built does not stop the others from running.
 */
export async function discoverSuites(filters: readonly string[] = []): Promise<SuiteDefinition[]> {
  const files = (await readdir(suitesDirectory))
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
    .sort();
  const suites: SuiteDefinition[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, suitesDirectory).href)) as {
      suite?: SuiteDefinition;
    };
    if (!module.suite) throw new Error(`${file} does not export \`suite\` (use defineSuite).`);
    suites.push(module.suite);
  }
  return suites;
}
