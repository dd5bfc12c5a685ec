import { createHash } from 'node:crypto';
import type { HashRing } from '@redgrid/core';
import type { RingPoint } from './ring-arcs.js';

// `HashRing` of @redgrid/core does not expose its points, and arc-level planning needs them.
// Until it does, they are rebuilt here from the placement rule `HashRing` documents (default
// mode: MurmurHash3 of `${id}-${index}`, round(weight * virtualNodes) points per node; ketama:
// the four little-endian words of MD5(`${id}-${index}`), floor(weight / total * virtualNodes *
// servers) digests per server) and then checked against `ring.getNode` on probe keys. When the
// check fails (core changed its placement), `ringPoints` returns undefined and the planner
// falls back to estimating by sampling.

function murmur3(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  const length = bytes.length;
  let hash = 0;
  const blocks = length & ~3;
  for (let offset = 0; offset < blocks; offset += 4) {
    let block = bytes.readInt32LE(offset);
    block = Math.imul(block, 0xcc9e2d51);
    block = (block << 15) | (block >>> 17);
    block = Math.imul(block, 0x1b873593);
    hash ^= block;
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let tail = 0;
    if (rest === 3) tail ^= (bytes[blocks + 2] ?? 0) << 16;
    if (rest >= 2) tail ^= (bytes[blocks + 1] ?? 0) << 8;
    tail ^= bytes[blocks] ?? 0;
    tail = Math.imul(tail, 0xcc9e2d51);
    tail = (tail << 15) | (tail >>> 17);
    tail = Math.imul(tail, 0x1b873593);
    hash ^= tail;
  }
  hash ^= length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function md5Words(text: string): number[] {
  const digest = createHash('md5').update(text, 'utf8').digest();
  return [0, 4, 8, 12].map((offset) => digest.readUInt32LE(offset));
}

/** Settings of the ring the points are rebuilt for. */
export interface RingSettings {
  readonly mode: 'default' | 'ketama';
  readonly virtualNodes: number | undefined;
}

/** The hash a ring computes for a key (before the lookup), under the same placement rule. */
export function ringHash(settings: RingSettings, key: string): number {
  return settings.mode === 'ketama' ? (md5Words(key)[0] ?? 0) : murmur3(key);
}

function rebuild(ring: HashRing, settings: RingSettings): RingPoint[] {
  const points: RingPoint[] = [];
  const nodes = ring.nodes;
  if (settings.mode === 'ketama') {
    const virtualNodes = settings.virtualNodes ?? 40;
    const totalWeight = nodes.reduce((sum, node) => sum + node.weight, 0);
    // Server-list order breaks ties (stable sort below), as HashRing does.
    for (const node of nodes) {
      const digests = Math.floor((node.weight / totalWeight) * virtualNodes * nodes.length);
      for (let index = 0; index < digests; index++) {
        for (const hash of md5Words(`${node.id}-${index}`)) points.push({ hash, node: node.id });
      }
    }
  } else {
    const virtualNodes = settings.virtualNodes ?? 1000;
    // Id order breaks ties, as HashRing does.
    for (const node of [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const count = Math.round(node.weight * virtualNodes);
      for (let index = 0; index < count; index++) {
        points.push({ hash: murmur3(`${node.id}-${index}`), node: node.id });
      }
    }
  }
  return points.sort((a, b) => a.hash - b.hash);
}

function ownerAt(points: readonly RingPoint[], hash: number): string | undefined {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((points[middle]?.hash ?? 0) < hash) low = middle + 1;
    else high = middle;
  }
  return (points[low] ?? points[0])?.node;
}

const probes = 512;

/**
 * The points of a ring, sorted by hash, or undefined when they cannot be rebuilt faithfully
 * (checked on probe keys against `ring.getNode`).
 */
export function ringPoints(ring: HashRing, settings: RingSettings): RingPoint[] | undefined {
  const points = rebuild(ring, settings);
  if (points.length !== ring.size) return undefined;
  for (let index = 0; index < probes; index++) {
    const key = `redgrid-probe:${index}`;
    if (ownerAt(points, ringHash(settings, key)) !== ring.getNode(key)) return undefined;
  }
  return points;
}
