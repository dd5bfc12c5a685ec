import { createRequire } from 'node:module';
import { HashRing } from '@redgrid/core';
import { defineSuite } from '../define-suite.js';

// The npm `hashring` package has no types; only what is used here is typed.
interface NpmHashRing {
  get(key: string): string;
}
const NpmHashRing = createRequire(import.meta.url)('hashring') as new (
  servers: Record<string, number>,
) => NpmHashRing;

// One lookup per call over 100k distinct keys and 10 nodes, cycling through the keys: the
// realistic case where keys rarely repeat (hashring's 5000-entry LRU cache thrashes then).
export const suite = defineSuite({
  name: 'hash-ring-lookup',
  description: 'HashRing.getNode() on 100k distinct keys / 10 nodes vs the npm hashring package',
  kind: 'micro',
  setup(context) {
    const keyCount = context.smoke ? 2_000 : 100_000;
    const keys = Array.from({ length: keyCount }, (_, index) => `user:${index}:session`);
    const servers = Object.fromEntries(
      Array.from({ length: 10 }, (_, index) => [`10.0.0.${index + 1}:6379`, 1]),
    );
    const ids = Object.keys(servers);
    const npm = new NpmHashRing(servers);
    const ring = new HashRing({ nodes: ids.map((id) => ({ id })) });
    const ketama = new HashRing({ mode: 'ketama', nodes: ids.map((id) => ({ id })) });

    let npmIndex = 0;
    let ringIndex = 0;
    let ketamaIndex = 0;
    const key = (index: number) => keys[index % keyCount] ?? '';
    return {
      cases: [
        { name: 'hashring 3 get()', baseline: true, fn: () => npm.get(key(npmIndex++)) },
        { name: 'redgrid HashRing getNode()', fn: () => ring.getNode(key(ringIndex++)) },
        {
          name: 'redgrid HashRing getNode() ketama mode',
          fn: () => ketama.getNode(key(ketamaIndex++)),
        },
      ],
      notes: (results) => {
        const lines = results
          .filter((result) => !result.baseline)
          .map((result) => `${result.name}: ${result.ratio.toFixed(1)}x the lookups/s of hashring`);
        return [...lines, ...placementReport(keys, ids, npm)];
      },
    };
  },
});

/** Balance at the default virtual node count, movement when an 11th node joins, ketama parity. */
function placementReport(
  keys: readonly string[],
  ids: readonly string[],
  npm: NpmHashRing,
): string[] {
  const lines: string[] = [];
  const measure = (
    label: string,
    create: (nodes: readonly string[]) => { getNode(key: string): string | undefined },
  ) => {
    const before = create(ids);
    const counts = new Map<string, number>();
    const owners = keys.map((key) => {
      const owner = before.getNode(key) ?? '';
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
      return owner;
    });
    const maxOverMean = Math.max(...counts.values()) / (keys.length / ids.length);
    const after = create([...ids, '10.0.0.11:6379']);
    const moved = keys.filter((key, index) => after.getNode(key) !== owners[index]).length;
    const movedShare = moved / keys.length;
    lines.push(
      `${label}: max/mean load ${maxOverMean.toFixed(3)} over ${keys.length} keys; an 11th node moves ${(movedShare * 100).toFixed(2)}% of keys (ideal 1/11 = 9.09%, off by ${(Math.abs(movedShare - 1 / 11) * 11 * 100).toFixed(1)}%)`,
    );
  };
  measure(
    'redgrid default (1000 vnodes)',
    (nodes) => new HashRing({ nodes: nodes.map((id) => ({ id })) }),
  );
  measure(
    'redgrid ketama',
    (nodes) => new HashRing({ mode: 'ketama', nodes: nodes.map((id) => ({ id })) }),
  );
  measure('hashring', (nodes) => {
    const ring = new NpmHashRing(Object.fromEntries(nodes.map((id) => [id, 1])));
    return { getNode: (key: string) => ring.get(key) };
  });
  const ketama = new HashRing({ mode: 'ketama', nodes: ids.map((id) => ({ id })) });
  const differing = keys.filter((key) => ketama.getNode(key) !== npm.get(key)).length;
  lines.push(`ketama mode vs hashring: ${differing} of ${keys.length} keys placed differently`);
  return lines;
}
