import { describe, expect, it } from 'vitest';
import { arcShare, diffRings } from './ring-arcs.js';

describe('diffRings', () => {
  it('finds changed arcs and merges across the wrap point', () => {
    const before = [
      { hash: 100, node: 'a' },
      { hash: 200, node: 'b' },
      { hash: 300, node: 'a' },
    ];
    const after = [...before, { hash: 4_000_000_000, node: 'c' }, { hash: 50, node: 'c' }].sort(
      (x, y) => x.hash - y.hash,
    );
    const changes = diffRings(before, after);
    // Keys hashing in (300, 4e9] and (4e9, 2^32) + [0, 50] went from a to c: one merged arc.
    expect(changes).toEqual([{ arc: { start: 300, end: 50 }, from: 'a', to: 'c' }]);
    expect(arcShare({ start: 300, end: 50 })).toBeCloseTo((2 ** 32 - 250) / 2 ** 32, 12);
  });

  it('is empty for identical rings and whole-circle for one point', () => {
    const ring = [{ hash: 7, node: 'a' }];
    expect(diffRings(ring, ring)).toEqual([]);
    expect(diffRings(ring, [{ hash: 7, node: 'b' }])).toEqual([
      { arc: { start: 7, end: 7 }, from: 'a', to: 'b' },
    ]);
    expect(arcShare({ start: 7, end: 7 })).toBe(1);
  });
});
