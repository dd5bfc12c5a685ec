import type { RingArc } from './rebalance-plan.js';

/** One point of a hash ring: keys hashing to (previous point, hash] belong to `node`. */
export interface RingPoint {
  readonly hash: number;
  readonly node: string;
}

/** An arc and who owns it before and after. */
export interface ArcChange {
  readonly arc: RingArc;
  readonly from: string;
  readonly to: string;
}

const ringSize = 2 ** 32;

/** Length of an arc as a fraction of the ring. */
export function arcShare(arc: RingArc): number {
  const length = arc.end - arc.start;
  return (length <= 0 ? length + ringSize : length) / ringSize;
}

/** Owner of `hash`: the first point at or after it, wrapping to the first point. */
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

/**
 * Arcs whose owner differs between two rings (points sorted by hash), adjacent arcs with the
 * same change merged. Every boundary of either ring splits the circle, so within one
 * elementary arc both rings have a single owner: the owner of its end point.
 */
export function diffRings(before: readonly RingPoint[], after: readonly RingPoint[]): ArcChange[] {
  const boundaries = [...new Set([...before, ...after].map((point) => point.hash))].sort(
    (a, b) => a - b,
  );
  const changes: ArcChange[] = [];
  if (boundaries.length === 0) return changes;
  for (let index = 0; index < boundaries.length; index++) {
    const end = boundaries[index] ?? 0;
    const start = boundaries[index === 0 ? boundaries.length - 1 : index - 1] ?? 0;
    const from = ownerAt(before, end);
    const to = ownerAt(after, end);
    if (from === undefined || to === undefined || from === to) continue;
    const previous = changes[changes.length - 1];
    if (previous && previous.arc.end === start && previous.from === from && previous.to === to) {
      changes[changes.length - 1] = {
        arc: { start: previous.arc.start, end },
        from,
        to,
      };
    } else {
      changes.push({ arc: { start, end }, from, to });
    }
  }
  // The first and the last arc meet at the wrap point: merge them too.
  const first = changes[0];
  const last = changes[changes.length - 1];
  if (
    changes.length > 1 &&
    first &&
    last &&
    last.arc.end === first.arc.start &&
    last.from === first.from &&
    last.to === first.to
  ) {
    changes[0] = {
      arc: { start: last.arc.start, end: first.arc.end },
      from: first.from,
      to: first.to,
    };
    changes.pop();
  }
  return changes;
}
