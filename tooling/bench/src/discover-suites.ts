import { readdir } from 'node:fs/promises';
import type { SuiteDefinition } from './define-suite.js';

const suitesDirectory = new URL('./suites/', import.meta.url);

/**
 * The `src/suites/*.bench.ts` files, or with filters only those whose file name contains one of
 * them. Filtering by file name, before importing, means that a suite whose package is not built
 * does not stop the others from running.
 */
export async function discoverSuiteFiles(filters: readonly string[] = []): Promise<string[]> {
  return (await readdir(suitesDirectory))
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
    .sort();
}

/** Imports one suite file and returns the suite it exports as `suite`. */
export async function loadSuite(file: string): Promise<SuiteDefinition> {
  const module = (await import(new URL(file, suitesDirectory).href)) as {
    suite?: SuiteDefinition;
  };
  if (!module.suite) throw new Error(`${file} does not export \`suite\` (use defineSuite).`);
  return module.suite;
}

/** Loads every suite (or those whose file name contains a filter). */
export async function discoverSuites(filters: readonly string[] = []): Promise<SuiteDefinition[]> {
  const suites: SuiteDefinition[] = [];
  for (const file of await discoverSuiteFiles(filters)) suites.push(await loadSuite(file));
  return suites;
}
