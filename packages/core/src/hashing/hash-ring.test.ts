import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { HashRing } from './hash-ring.js';

// The npm `hashring` package (libketama placement) has no types; only what is used is typed.
interface NpmHashRing {
  get(key: string): string;
  range(key: string, size: number): string[];
}
const NpmHashRing = createRequire(import.meta.url)('hashring') as new (
  servers: Record<string, number>,
) => NpmHashRing;

const keys = Array.from({ length: 100_000 }, (_, index) => `user:${index}:session`);
const nodeIds = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`);

function maxOverMean(ring: HashRing, sample: readonly string[]): number {
  const counts = [...ring.distribution(sample).values()];
  return Math.max(...counts) / (sample.length / counts.length);
}

describe('HashRing: basics', () => {
  it('returns undefined / [] on an empty ring', () => {
    const ring = new HashRing();
    expect(ring.getNode('k')).toBeUndefined();
    expect(ring.getNodes('k', 3)).toEqual([]);
    expect(ring.size).toBe(0);
    expect(ring.distribution(['a'])).toEqual(new Map());
  });

  it('keeps nodes in insertion order with default weights, frozen', () => {
    const ring = new HashRing({ nodes: [{ id: 'b' }, { id: 'a', weight: 2 }] });
    ring.addNode({ id: 'c', weight: 0.5 });
    expect(ring.nodes).toEqual([
      { id: 'b', weight: 1 },
      { id: 'a', weight: 2 },
      { id: 'c', weight: 0.5 },
    ]);
    expect(Object.isFrozen(ring.nodes[0])).toBe(true);
    expect(ring.size).toBe(1000 + 2000 + 500);
  });

  it('gives one node every key', () => {
    const ring = new HashRing({ nodes: [{ id: 'only' }] });
    expect(new Set(keys.slice(0, 1000).map((key) => ring.getNode(key)))).toEqual(new Set(['only']));
  });

  it('returns distinct nodes from getNodes, starting with the owner', () => {
    const ring = new HashRing({ nodes: nodeIds('n', 5).map((id) => ({ id })) });
    for (const key of keys.slice(0, 2000)) {
      const nodes = ring.getNodes(key, 3);
      expect(nodes).toHaveLength(3);
      expect(new Set(nodes).size).toBe(3);
      expect(nodes[0]).toBe(ring.getNode(key));
    }
    expect(ring.getNodes('k', 10)).toHaveLength(5);
    expect(ring.getNodes('k', 0)).toEqual([]);
  });

  it('removes nodes and reports unknown ones', () => {
    const ring = new HashRing({ nodes: [{ id: 'a' }, { id: 'b' }] });
    expect(ring.removeNode('a')).toBe(true);
    expect(ring.removeNode('a')).toBe(false);
    expect(ring.getNode('x')).toBe('b');
    expect(ring.distribution(['x', 'y'])).toEqual(new Map([['b', 2]]));
  });

  it('gives a weight-0 node no keys but lists it', () => {
    const ring = new HashRing({ nodes: [{ id: 'drained', weight: 0 }, { id: 'live' }] });
    expect(ring.distribution(keys.slice(0, 1000))).toEqual(
      new Map([
        ['drained', 0],
        ['live', 1000],
      ]),
    );
    expect(ring.getNodes('k', 2)).toEqual(['live']);
  });

  it('rejects invalid options and nodes with ConfigError', () => {
    expect(() => new HashRing({ nodes: [{ id: 'a' }, { id: 'a' }] })).toThrow(ConfigError);
    expect(() => new HashRing({ nodes: [{ id: '' }] })).toThrow(ConfigError);
    expect(() => new HashRing({ nodes: [{ id: 'a', weight: -1 }] })).toThrow(ConfigError);
    expect(() => new HashRing({ virtualNodes: 0 })).toThrow(ConfigError);
    expect(() => new HashRing({ mode: 'modulo' as 'default' })).toThrow(ConfigError);
    const ring = new HashRing({ nodes: [{ id: 'a' }] });
    expect(() => ring.addNode({ id: 'a' })).toThrow(/already on the ring/);
    expect(() => ring.addNode({ id: 'b', weight: Number.NaN })).toThrow(ConfigError);
  });
});

describe('HashRing: default mode targets (100k keys, 10 nodes, default virtual nodes)', () => {
  it.each(['node', 'cache-', 'redis-', '10.0.0.', 'shard-'])(
    'keeps max/mean <= 1.10 and moves ~1/11 of keys to an 11th node (%s*)',
    (prefix) => {
      const ring = new HashRing({ nodes: nodeIds(prefix, 10).map((id) => ({ id })) });
      expect(maxOverMean(ring, keys)).toBeLessThanOrEqual(1.1);
      const before = keys.map((key) => ring.getNode(key));
      ring.addNode({ id: `${prefix}10` });
      let moved = 0;
      keys.forEach((key, index) => {
        const now = ring.getNode(key);
        if (now !== before[index]) {
          moved++;
          expect(now).toBe(`${prefix}10`);
        }
      });
      const ideal = keys.length / 11;
      expect(Math.abs(moved - ideal) / ideal).toBeLessThanOrEqual(0.1);
    },
  );

  it('shares keys in proportion to absolute weights', () => {
    const ring = new HashRing({ nodes: [{ id: 'small' }, { id: 'big', weight: 3 }] });
    const counts = ring.distribution(keys);
    expect((counts.get('big') ?? 0) / keys.length).toBeCloseTo(0.75, 1);
  });
});

describe('HashRing: properties', () => {
  const idList = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), {
    minLength: 1,
    maxLength: 8,
  });
  const sample = keys.slice(0, 500);
  const options = { numRuns: 60 };

  it('is deterministic and independent of insertion order', () => {
    fc.assert(
      fc.property(idList, (ids) => {
        const forward = new HashRing({ nodes: ids.map((id) => ({ id })), virtualNodes: 50 });
        const backward = new HashRing({ virtualNodes: 50 });
        for (const id of [...ids].reverse()) backward.addNode({ id });
        for (const key of sample) expect(backward.getNode(key)).toBe(forward.getNode(key));
      }),
      options,
    );
  });

  it('moves keys only to a node that joins', () => {
    fc.assert(
      fc.property(
        idList,
        fc.string({ minLength: 1 }),
        fc.double({ min: 0.1, max: 4, noNaN: true }),
        (ids, newcomer, weight) => {
          fc.pre(!ids.includes(newcomer));
          const ring = new HashRing({ nodes: ids.map((id) => ({ id })), virtualNodes: 50 });
          const before = sample.map((key) => ring.getNode(key));
          ring.addNode({ id: newcomer, weight });
          sample.forEach((key, index) => {
            const now = ring.getNode(key);
            if (now !== before[index]) expect(now).toBe(newcomer);
          });
        },
      ),
      options,
    );
  });

  it('moves only the keys of a node that leaves', () => {
    fc.assert(
      fc.property(
        idList.filter((ids) => ids.length >= 2),
        fc.nat(),
        (ids, pick) => {
          const leaving = ids[pick % ids.length] ?? '';
          const ring = new HashRing({ nodes: ids.map((id) => ({ id })), virtualNodes: 50 });
          const before = sample.map((key) => ring.getNode(key));
          ring.removeNode(leaving);
          sample.forEach((key, index) => {
            const now = ring.getNode(key);
            expect(now).not.toBe(leaving);
            if (before[index] !== leaving) expect(now).toBe(before[index]);
          });
        },
      ),
      options,
    );
  });

  it('returns to the same placement after a node leaves and rejoins', () => {
    fc.assert(
      fc.property(idList, (ids) => {
        const ring = new HashRing({ nodes: ids.map((id) => ({ id })), virtualNodes: 50 });
        const before = sample.map((key) => ring.getNode(key));
        const first = ids[0] ?? '';
        ring.removeNode(first);
        ring.addNode({ id: first });
        expect(sample.map((key) => ring.getNode(key))).toEqual(before);
      }),
      options,
    );
  });

  // The 1.10 target is asserted above for fixed node ids. For arbitrary ids the ring's own
  // spread (about 3% per node at 1000 points) and the sampling noise of 50k keys (about 1.4%)
  // add up: the maximum of 10 nodes exceeds 1.10 in roughly one ring in a hundred, which made
  // this property flaky. 1.15 is more than four standard deviations out, so a failure here means
  // a real imbalance, not bad luck.
  it('keeps balance within 15% for random node ids at the default virtual node count', () => {
    const many = keys.slice(0, 50_000);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 16 }), {
          minLength: 10,
          maxLength: 10,
        }),
        (ids) => {
          const ring = new HashRing({ nodes: ids.map((id) => ({ id })) });
          expect(maxOverMean(ring, many)).toBeLessThanOrEqual(1.15);
        },
      ),
      // A fixed seed: the property holds for any ids, but a statistical bound checked on fresh
      // random ids at every run would fail, very rarely, for no bug.
      { numRuns: 10, seed: 20_261_205 },
    );
  });
});

describe('HashRing: ketama mode', () => {
  const sample = keys.slice(0, 10_000);

  it.each([
    [
      '10 equal servers',
      Object.fromEntries(nodeIds('10.0.0.', 10).map((host) => [`${host}:11211`, 1])),
    ],
    [
      'weighted servers',
      Object.fromEntries(
        nodeIds('cache-', 10).map((host, index) => [`${host}:6379`, 1 + (index % 4)]),
      ),
    ],
    [
      '7 equal servers (a rounding corner)',
      Object.fromEntries(nodeIds('192.168.1.', 7).map((host) => [`${host}:6379`, 1])),
    ],
    ['3 servers', { 'a:1': 1, 'b:2': 5, 'c:3': 2 }],
  ])('places %s exactly like the npm hashring package', (_, servers) => {
    const theirs = new NpmHashRing(servers);
    const ours = new HashRing({
      mode: 'ketama',
      nodes: Object.entries(servers).map(([id, weight]) => ({ id, weight })),
    });
    for (const key of sample) expect(ours.getNode(key)).toBe(theirs.get(key));
    for (const key of sample.slice(0, 500))
      expect(ours.getNodes(key, 3)).toEqual(theirs.range(key, 3));
  });

  it('hashes non-ASCII keys as UTF-8, like hashring', () => {
    const servers = { 'a:1': 1, 'b:1': 1, 'c:1': 1 };
    const theirs = new NpmHashRing(servers);
    const ours = new HashRing({
      mode: 'ketama',
      nodes: Object.keys(servers).map((id) => ({ id })),
    });
    for (const key of ['é', 'clé:42', '日本語', '😀', ''])
      expect(ours.getNode(key)).toBe(theirs.get(key));
  });

  it('uses 160 points per server at equal weights', () => {
    expect(
      new HashRing({ mode: 'ketama', nodes: nodeIds('s', 4).map((id) => ({ id })) }).size,
    ).toBe(640);
  });
});

describe('HashRing: introspection', () => {
  it('exposes its points in ascending order, consistent with getNode', () => {
    for (const mode of ['default', 'ketama'] as const) {
      const ring = new HashRing({
        mode,
        nodes: [{ id: 'a:1' }, { id: 'b:2', weight: 2 }],
        virtualNodes: 20,
      });
      expect(ring.mode).toBe(mode);
      expect(ring.virtualNodes).toBe(20);
      const points = ring.points();
      expect(points).toHaveLength(ring.size);
      for (let index = 1; index < points.length; index++) {
        expect(points[index]?.hash).toBeGreaterThanOrEqual(points[index - 1]?.hash ?? 0);
      }
      for (const key of keys.slice(0, 300)) {
        const hash = ring.hashKey(key);
        const owner = points.find((point) => point.hash >= hash) ?? points[0];
        expect(owner?.node).toBe(ring.getNode(key));
      }
    }
    expect(new HashRing().virtualNodes).toBe(1000);
    expect(new HashRing({ mode: 'ketama' }).virtualNodes).toBe(40);
  });
});
