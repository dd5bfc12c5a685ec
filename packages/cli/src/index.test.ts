import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

/** The type-only names `index.ts` exports (`export type { A }`, `export { type B }`). */
function exportedTypeNames(): string[] {
  const source = readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
  const names: string[] = [];
  for (const [, typeOnly, list = ''] of source.matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const entry of list.split(',').map((text) => text.trim())) {
      if (entry === '') continue;
      if (typeOnly) names.push(entry);
      else if (entry.startsWith('type ')) names.push(entry.slice('type '.length));
    }
  }
  return names.sort();
}

// A change to these lists is a change to the public API: make it on purpose, with a changeset.
describe('@redgrid/cli public API', () => {
  it('exports exactly these runtime values', () => {
    expect(Object.keys(api).sort()).toEqual(['exitCodes', 'parseLayout', 'runCli']);
    expect(api.exitCodes).toEqual({
      ok: 0,
      degraded: 1,
      unhealthy: 2,
      failed: 3,
      usage: 64,
      interrupted: 130,
    });
  });

  it('exports exactly these types', () => {
    expect(exportedTypeNames()).toEqual([
      'CliIo',
      'CliStream',
      'ExitCode',
      'LayoutFile',
      'LayoutFileNode',
      'PartitionLayoutInput',
    ]);
  });
});
