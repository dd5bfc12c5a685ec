import { ConfigError, HashRing, hashTag } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { UnroutableKeyError } from '../errors/unroutable-key-error.js';
import { createPartitioner } from './create-partitioner.js';

function unroutable(run: () => unknown): UnroutableKeyError {
  try {
    run();
  } catch (error) {
    if (UnroutableKeyError.isInstance(error)) return error;
    throw error;
  }
  throw new ConfigError([{ variable: 'test', message: 'expected UnroutableKeyError' }]);
}

const keys = Array.from({ length: 20_000 }, (_, index) => `user:${index}`);

describe('consistent-hash partitioner', () => {
  it('routes exactly as the core HashRing on the hash tag', () => {
    const nodes = [{ id: 'a' }, { id: 'b', weight: 2 }, { id: 'c' }];
    const partitioner = createPartitioner({
      nodes,
      strategy: { type: 'consistent-hash' },
    });
    const ring = new HashRing({ nodes });
    for (const key of keys.slice(0, 2000)) {
      expect(partitioner.nodeFor(key)).toBe(ring.getNode(key));
    }
    expect(partitioner.nodeFor('{user:1}:profile')).toBe(ring.getNode('user:1'));
  });

  it('keeps keys with the same hash tag on one node', () => {
    const partitioner = createPartitioner({
      nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }],
      strategy: { type: 'consistent-hash' },
    });
    for (let user = 0; user < 500; user++) {
      const owners = new Set(
        ['profile', 'cart', 'sessions', 'settings'].map((part) =>
          partitioner.nodeFor(`user:{${user}}:${part}`),
        ),
      );
      expect(owners.size).toBe(1);
    }
  });

  it('spreads keys by weight', () => {
    const partitioner = createPartitioner({
      nodes: [{ id: 'a' }, { id: 'b', weight: 2 }, { id: 'c' }],
      strategy: { type: 'consistent-hash' },
    });
    const counts = new Map<string, number>();
    for (const key of keys) {
      const owner = partitioner.nodeFor(key);
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    expect(partitioner.expectedShares().get('b')).toBe(0.5);
    expect((counts.get('b') ?? 0) / keys.length).toBeCloseTo(0.5, 1);
    expect((counts.get('a') ?? 0) / keys.length).toBeCloseTo(0.25, 1);
  });

  it('offers the ketama placement of the core ring', () => {
    const nodes = [{ id: '10.0.0.1:11211' }, { id: '10.0.0.2:11211' }, { id: '10.0.0.3:11211' }];
    const partitioner = createPartitioner({
      nodes,
      strategy: { type: 'consistent-hash', mode: 'ketama' },
    });
    const ring = new HashRing({ nodes, mode: 'ketama' });
    for (const key of keys.slice(0, 1000)) expect(partitioner.nodeFor(key)).toBe(ring.getNode(key));
  });

  it('rejects duplicate ids, bad weights and unknown strategies in one ConfigError', () => {
    expect(() =>
      createPartitioner({
        nodes: [{ id: 'a' }, { id: 'a', weight: 0 }, { id: '' }],
        strategy: { type: 'modulo' } as never,
      }),
    ).toThrowError(
      expect.objectContaining({
        code: 'ERR_CONFIG',
        issues: [
          expect.objectContaining({ variable: 'nodes[1].id' }),
          expect.objectContaining({ variable: 'nodes[1].weight' }),
          expect.objectContaining({ variable: 'nodes[2].id' }),
          expect.objectContaining({ variable: 'strategy.type' }),
        ],
      }),
    );
  });
});

describe('range partitioner', () => {
  const numeric = createPartitioner({
    nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    strategy: {
      type: 'range',
      keyType: 'numeric',
      ranges: [
        { node: 'a', from: 0, to: 1000 },
        { node: 'b', from: 1000, to: 2000 },
        { node: 'c', from: 2000, to: 3000 },
      ],
    },
  });

  it('routes by the numeric id segment, bounds [from, to)', () => {
    expect(numeric.nodeFor('user:0')).toBe('a');
    expect(numeric.nodeFor('user:999')).toBe('a');
    expect(numeric.nodeFor('user:1000')).toBe('b');
    expect(numeric.nodeFor('user:2999:profile')).toBe('c');
    expect(numeric.nodeFor('order:1500.5')).toBe('b');
  });

  it('keeps hash-tagged keys with their id, tag with or without the type prefix', () => {
    expect(numeric.nodeFor('session:{user:1500}:x')).toBe('b');
    expect(numeric.nodeFor('cart:{1500}')).toBe('b');
  });

  it('explains keys outside every range, without a segment or not numeric', () => {
    const outside = unroutable(() => numeric.nodeFor('user:3000'));
    expect(outside.reason).toBe('outside-ranges');
    expect(outside.code).toBe('ERR_UNROUTABLE_KEY');
    expect(outside.message).toContain('the ranges cover [0, 3000)');
    expect(outside.message).toContain('set strategy.defaultNode');
    expect(unroutable(() => numeric.nodeFor('user')).reason).toBe('missing-segment');
    expect(unroutable(() => numeric.nodeFor('user:abc')).reason).toBe('not-numeric');
    expect(unroutable(() => numeric.nodeFor('user:12abc')).reason).toBe('not-numeric');
    expect(typeof numeric.route('user:-1')).toBe('object');
  });

  it('sends stray keys to the default node when there is one', () => {
    const withDefault = createPartitioner({
      nodes: [{ id: 'a' }, { id: 'spill' }],
      strategy: {
        type: 'range',
        keyType: 'numeric',
        ranges: [{ node: 'a', from: 0, to: 100 }],
        defaultNode: 'spill',
      },
    });
    expect(withDefault.nodeFor('user:5')).toBe('a');
    expect(withDefault.nodeFor('user:500')).toBe('spill');
    expect(withDefault.nodeFor('weird')).toBe('spill');
  });

  it('routes lexical segments and honours custom segments', () => {
    const lexical = createPartitioner({
      nodes: [{ id: 'a-m' }, { id: 'n-z' }],
      strategy: {
        type: 'range',
        keyType: 'lexical',
        segment: { separator: '/', index: -1 },
        ranges: [
          { node: 'a-m', to: 'n' },
          { node: 'n-z', from: 'n' },
        ],
      },
    });
    expect(lexical.nodeFor('tenants/acme')).toBe('a-m');
    expect(lexical.nodeFor('tenants/mallory')).toBe('a-m');
    expect(lexical.nodeFor('tenants/nancy')).toBe('n-z');
    const wholeKey = createPartitioner({
      nodes: [{ id: 'a' }, { id: 'b' }],
      strategy: {
        type: 'range',
        keyType: 'lexical',
        segment: 'key',
        ranges: [
          { node: 'a', to: 'm' },
          { node: 'b', from: 'm' },
        ],
      },
    });
    expect(wholeKey.nodeFor('alpha:1')).toBe('a');
    expect(wholeKey.nodeFor('zeta:1')).toBe('b');
    expect(hashTag('{zeta}:alpha')).toBe('zeta');
    expect(wholeKey.nodeFor('{zeta}:alpha')).toBe('b');
  });
});
