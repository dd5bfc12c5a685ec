import type { RangeRouter } from '../strategies/range-router.js';
import type { KeySpan } from './rebalance-plan.js';

/** A span and its owners before and after (undefined: no range and no default node). */
export interface SpanChange {
  readonly span: KeySpan;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

/** Owner of the elementary span starting at `lower` (undefined = -inf), default node included. */
function ownerFrom(router: RangeRouter, lower: number | string | undefined): string | undefined {
  const range =
    lower === undefined
      ? router.ranges.find((candidate) => candidate.from === undefined)
      : router.rangeOf(lower);
  return range?.node ?? router.defaultNode;
}

/**
 * Spans whose owner differs between two range layouts of the same key type, merged where
 * adjacent. A span outside every range is owned by the default node; an undefined owner means
 * "no range and no default node" (such keys are unroutable on that side).
 */
export function diffRanges(before: RangeRouter, after: RangeRouter): SpanChange[] {
  const bounds = new Set<number | string>();
  for (const range of [...before.ranges, ...after.ranges]) {
    if (range.from !== undefined) bounds.add(range.from);
    if (range.to !== undefined) bounds.add(range.to);
  }
  const sorted = [...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lowers: Array<number | string | undefined> = [undefined, ...sorted];
  const changes: SpanChange[] = [];
  for (let index = 0; index < lowers.length; index++) {
    const from = lowers[index];
    const to = index + 1 < lowers.length ? lowers[index + 1] : undefined;
    const ownerBefore = ownerFrom(before, from);
    const ownerAfter = ownerFrom(after, from);
    if (ownerBefore === ownerAfter) continue;
    const previous = changes[changes.length - 1];
    if (
      previous &&
      previous.span.to === from &&
      previous.from === ownerBefore &&
      previous.to === ownerAfter
    ) {
      changes[changes.length - 1] = {
        span: { from: previous.span.from, to },
        from: ownerBefore,
        to: ownerAfter,
      };
    } else {
      changes.push({ span: { from, to }, from: ownerBefore, to: ownerAfter });
    }
  }
  return changes;
}
