import { describe, expect, it } from 'vitest';
import { computeDistributionStats } from './distribution-stats.js';

describe('computeDistributionStats', () => {
  it('compares shares with expected shares and finds hot nodes', () => {
    const stats = computeDistributionStats(
      new Map([
        ['a', 100],
        ['b', 100],
        ['c', 200],
      ]),
      new Map([
        ['a', 1 / 3],
        ['b', 1 / 3],
        ['c', 1 / 3],
      ]),
    );
    expect(stats.totalKeys).toBe(400);
    expect(stats.meanKeys).toBeCloseTo(133.33, 2);
    expect(stats.maxKeys).toBe(200);
    expect(stats.minKeys).toBe(100);
    expect(stats.maxOverMean).toBeCloseTo(1.5, 10);
    expect(stats.standardDeviation).toBeCloseTo(47.14, 2);
    expect(stats.relativeStandardDeviation).toBeCloseTo(0.3536, 3);
    expect(stats.nodes.find((node) => node.id === 'c')?.load).toBeCloseTo(1.5, 10);
    expect(stats.hotNodes).toEqual(['c']);
    expect(stats.maxLoad).toBeCloseTo(1.5, 10);
  });

  it('judges weighted nodes by their expected share', () => {
    const stats = computeDistributionStats(
      new Map([
        ['big', 200],
        ['small', 100],
      ]),
      new Map([
        ['big', 2 / 3],
        ['small', 1 / 3],
      ]),
      { hotThreshold: 1.1 },
    );
    expect(stats.hotNodes).toEqual([]);
    expect(stats.nodes.map((node) => node.load)).toEqual([1, 1]);
  });

  it('handles an empty keyspace and nodes missing from either map', () => {
    const stats = computeDistributionStats(new Map([['a', 0]]), new Map([['b', 1]]));
    expect(stats.totalKeys).toBe(0);
    expect(stats.maxOverMean).toBe(1);
    expect(stats.relativeStandardDeviation).toBe(0);
    expect(stats.nodes.map((node) => node.id)).toEqual(['b', 'a']);
    expect(stats.hotNodes).toEqual([]);
  });
});
