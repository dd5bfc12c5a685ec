import { describe, expect, it } from 'vitest';
import { detectMasterChanges } from './detect-master-changes.js';

function slots(ranges: Array<[number, number, string]>): Array<string | undefined> {
  const map = new Array<string | undefined>(16).fill(undefined);
  for (const [from, to, master] of ranges)
    for (let slot = from; slot <= to; slot++) map[slot] = master;
  return map;
}

describe('detectMasterChanges', () => {
  it('reports a replica taking over the slots of a master that is gone', () => {
    const before = slots([
      [0, 7, 'a:1'],
      [8, 15, 'b:1'],
    ]);
    const after = slots([
      [0, 7, 'a:2'],
      [8, 15, 'b:1'],
    ]);
    expect(detectMasterChanges(before, after)).toEqual([{ from: 'a:1', to: 'a:2' }]);
  });

  it('ignores resharding between live masters and unchanged maps', () => {
    const before = slots([
      [0, 7, 'a:1'],
      [8, 15, 'b:1'],
    ]);
    const after = slots([
      [0, 5, 'a:1'],
      [6, 15, 'b:1'],
    ]);
    expect(detectMasterChanges(before, after)).toEqual([]);
    expect(detectMasterChanges(before, before)).toEqual([]);
  });

  it('ignores unassigned slots (first refresh, cluster down)', () => {
    expect(detectMasterChanges(slots([]), slots([[0, 15, 'a:1']]))).toEqual([]);
    expect(detectMasterChanges(slots([[0, 15, 'a:1']]), slots([]))).toEqual([]);
  });
});
