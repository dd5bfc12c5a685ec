// Shared by the packages' export-snapshot tests (`src/index.test.ts`): the type-only names an
// index module exports, so that an accidental `export type` fails a test like a runtime export.
import { readFileSync } from 'node:fs';

/**
 * The type-only names the module at `indexUrl` exports (`export type { A }`,
 * `export { type B }`), sorted.
 * @param {URL} indexUrl
 * @returns {string[]}
 */
export function exportedTypeNames(indexUrl) {
  const source = readFileSync(indexUrl, 'utf8');
  const names = [];
  for (const [, typeOnly, list = ''] of source.matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const entry of list.split(',').map((text) => text.trim())) {
      if (entry === '') continue;
      if (typeOnly) names.push(entry);
      else if (entry.startsWith('type ')) names.push(entry.slice('type '.length));
    }
  }
  return names.sort();
}
