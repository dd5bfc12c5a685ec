import { createHash } from 'node:crypto';
import type { NormalizedLayout } from '../strategies/create-partitioner.js';

/** JSON with object keys sorted, so equal layouts give equal text whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function layoutFingerprint(layout: NormalizedLayout): unknown {
  const strategy =
    layout.strategy.type === 'range'
      ? {
          ...layout.strategy,
          ranges: [...layout.strategy.ranges].map((range) => canonical(range)).sort(),
        }
      : layout.strategy;
  return {
    nodes: [...layout.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    strategy,
  };
}

/**
 * Fingerprint of a change from one layout to another: the same two layouts always give the
 * same id (node order and object key order do not matter), so a plan made again after a crash
 * finds the checkpoint of the first attempt.
 */
export function planId(from: NormalizedLayout, to: NormalizedLayout): string {
  const text = canonical({
    from: layoutFingerprint(from),
    to: layoutFingerprint(to),
  });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Fingerprint of one layout: equal for equal layouts whatever the order of nodes and keys. */
export function layoutId(layout: NormalizedLayout): string {
  return createHash('sha256')
    .update(canonical(layoutFingerprint(layout)))
    .digest('hex')
    .slice(0, 16);
}
