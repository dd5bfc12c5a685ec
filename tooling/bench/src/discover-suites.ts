import { readdir } from 'node:fs/promises';
import type { SuiteDefinition } from './define-suite.js';

const suitesDirectory = new URL('./suites/', import.meta.url);

/** Loads every `src/suites/*.bench.ts` suite, optionally only those whose name contains a filter. */
export async function discoverSuites(filters: readonly string[] = []): Promise<SuiteDefinition[]> {
  const files = (await readdir(suitesDirectory))
    .filter((file) => file.endsWith('.bench.ts'))
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
