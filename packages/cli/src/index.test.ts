import { exportedTypeNames } from '@redgrid/config/exported-type-names';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

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
    expect(exportedTypeNames(new URL('./index.ts', import.meta.url))).toEqual([
      'CliIo',
      'CliStream',
      'ExitCode',
      'LayoutFile',
      'LayoutFileNode',
      'PartitionLayoutInput',
    ]);
  });
});
