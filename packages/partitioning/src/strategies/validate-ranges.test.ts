import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { InvalidRangesError } from '../errors/invalid-ranges-error.js';
import { createPartitioner } from './create-partitioner.js';
import type { PartitionStrategy } from './partition-strategy.js';

const nodes = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

function rangeError(strategy: PartitionStrategy): InvalidRangesError {
  try {
    createPartitioner({ nodes, strategy });
  } catch (error) {
    if (InvalidRangesError.isInstance(error)) return error;
    throw error;
  }
  throw new ConfigError([{ variable: 'test', message: 'expected InvalidRangesError' }]);
}

describe('range validation', () => {
  it('accepts contiguous ranges in any order, open at both ends', () => {
    expect(() =>
      createPartitioner({
        nodes,
        strategy: {
          type: 'range',
          keyType: 'numeric',
          ranges: [
            { node: 'c', from: 2000 },
            { node: 'a', to: 1000 },
            { node: 'b', from: 1000, to: 2000 },
          ],
        },
      }),
    ).not.toThrow();
  });

  it('reports a gap naming both ranges, the missing keys and the fix', () => {
    const error = rangeError({
      type: 'range',
      keyType: 'numeric',
      ranges: [
        { node: 'a', from: 0, to: 1000 },
        { node: 'b', from: 1200, to: 2000 },
      ],
    });
    expect(error.code).toBe('ERR_CONFIG');
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error.rangeIssues).toHaveLength(1);
    const [issue] = error.rangeIssues;
    expect(issue?.kind).toBe('gap');
    expect(issue?.ranges).toEqual([0, 1]);
    expect(issue?.variable).toBe('strategy.ranges[1].from');
    expect(error.message).toContain('[1000, 1200) between strategy.ranges[0] [0, 1000) -> "a"');
    expect(error.message).toContain('set strategy.ranges[1].from to 1000');
  });

  it('reports overlaps, including an open end swallowing a later range', () => {
    const error = rangeError({
      type: 'range',
      keyType: 'numeric',
      ranges: [
        { node: 'a', from: 0, to: 1500 },
        { node: 'b', from: 1000, to: 2000 },
        { node: 'c', from: 2000 },
        { node: 'a', from: 5000, to: 6000 },
      ],
    });
    expect(error.rangeIssues.map((issue) => issue.kind)).toEqual(['overlap', 'overlap']);
    expect(error.message).toContain('overlap on [1000, 1500)');
    expect(error.message).toContain('give strategy.ranges[2] a "to"');
  });

  it('reports inverted ranges, bad bounds, unknown nodes and a bad defaultNode together', () => {
    const error = rangeError({
      type: 'range',
      keyType: 'numeric',
      defaultNode: 'z',
      ranges: [
        { node: 'a', from: 10, to: 10 },
        { node: 'x', from: 10, to: 20 },
        { node: 'b', from: Number.NaN, to: 30 },
        { node: 'c', from: '30' as unknown as number, to: 40 },
      ],
    });
    expect(error.rangeIssues.map((issue) => issue.kind).sort()).toEqual([
      'invalid-bound',
      'invalid-bound',
      'inverted',
      'unknown-node',
      'unknown-node',
    ]);
    expect(error.message).toContain('strategy.ranges[1].node');
    expect(error.message).toContain('use one of "a", "b", "c"');
    expect(error.message).toContain('strategy.defaultNode');
    expect(error.message).toContain('[10, 10) -> "a" holds no key');
  });

  it('validates lexical ranges with string bounds', () => {
    const error = rangeError({
      type: 'range',
      keyType: 'lexical',
      ranges: [
        { node: 'a', to: 'h' },
        { node: 'b', from: 'i', to: 'q' },
        { node: 'c', from: 'q' },
      ],
    });
    expect(error.rangeIssues[0]?.kind).toBe('gap');
    expect(error.message).toContain('["h", "i")');
  });

  it('rejects an empty range list', () => {
    const error = rangeError({ type: 'range', keyType: 'numeric', ranges: [] });
    expect(error.rangeIssues[0]?.kind).toBe('empty');
  });
});
