import { InvalidRangesError, type RangeIssue } from '../errors/invalid-ranges-error.js';
import type { RangeStrategy } from './partition-strategy.js';

/** A range with its bounds checked and its position in `strategy.ranges` remembered. */
export interface CheckedRange<T extends number | string> {
  readonly index: number;
  readonly node: string;
  readonly from: T | undefined;
  readonly to: T | undefined;
}

/** `[10, 20) -> "b"`, the way every message names a range. */
export function formatRange(range: {
  from?: number | string | undefined;
  to?: number | string | undefined;
  node: string;
}): string {
  const bound = (value: number | string | undefined, open: string) =>
    value === undefined ? open : JSON.stringify(value);
  return `[${bound(range.from, '-inf')}, ${bound(range.to, '+inf')}) -> "${range.node}"`;
}

function compare<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Checks the ranges of a range strategy against the node ids and returns them sorted by
 * `from`. Throws one `InvalidRangesError` listing every gap, overlap, inverted range, bad
 * bound and unknown node.
 */
export function validateRanges(
  strategy: RangeStrategy,
  nodeIds: ReadonlySet<string>,
): CheckedRange<number>[] | CheckedRange<string>[] {
  const issues: RangeIssue[] = [];
  const expected = strategy.keyType === 'numeric' ? 'number' : 'string';
  const known = [...nodeIds].map((id) => JSON.stringify(id)).join(', ');
  const ranges: CheckedRange<number | string>[] = [];

  if (strategy.ranges.length === 0) {
    issues.push({
      kind: 'empty',
      ranges: [],
      variable: 'strategy.ranges',
      message: 'no range is defined; add at least one range such as { node, from, to }',
    });
  }
  strategy.ranges.forEach((range, index) => {
    const variable = `strategy.ranges[${index}]`;
    let valid = true;
    if (!nodeIds.has(range.node)) {
      issues.push({
        kind: 'unknown-node',
        ranges: [index],
        variable: `${variable}.node`,
        message: `${formatRange(range)} names node "${range.node}", which is not in nodes; use one of ${known}`,
      });
    }
    for (const side of ['from', 'to'] as const) {
      const value: unknown = range[side];
      if (value === undefined) continue;
      const badNumber = typeof value === 'number' && !Number.isFinite(value);
      if (typeof value !== expected || badNumber) {
        valid = false;
        issues.push({
          kind: 'invalid-bound',
          ranges: [index],
          variable: `${variable}.${side}`,
          message: `${side} is ${String(value)} (${typeof value}); a ${strategy.keyType} range needs a ${badNumber ? 'finite ' : ''}${expected}, or omit it for an open end`,
        });
      }
    }
    if (!valid) return;
    const from = range.from;
    const to = range.to;
    if (from !== undefined && to !== undefined && compare(from, to) >= 0) {
      issues.push({
        kind: 'inverted',
        ranges: [index],
        variable,
        message: `${formatRange(range)} holds no key because from is not below to (to is exclusive); swap the bounds or make to larger`,
      });
      return;
    }
    ranges.push({ index, node: range.node, from, to });
  });

  // Sort by lower bound (-inf first), then walk neighbours: each range must start exactly
  // where the previous one ends.
  ranges.sort((a, b) => {
    if (a.from === undefined) return b.from === undefined ? 0 : -1;
    if (b.from === undefined) return 1;
    return compare(a.from, b.from);
  });
  for (let position = 1; position < ranges.length; position++) {
    const previous = ranges[position - 1];
    const current = ranges[position];
    if (previous === undefined || current === undefined) continue;
    const pair = [previous.index, current.index];
    const names = `strategy.ranges[${previous.index}] ${formatRange(previous)} and strategy.ranges[${current.index}] ${formatRange(current)}`;
    if (previous.to === undefined || current.from === undefined) {
      issues.push({
        kind: 'overlap',
        ranges: pair,
        variable: `strategy.ranges[${current.index}]`,
        message: `${names} overlap (an open end covers the other range); give ${previous.to === undefined ? `strategy.ranges[${previous.index}] a "to"` : `strategy.ranges[${current.index}] a "from"`} so that each key has one owner`,
      });
      continue;
    }
    const order = compare(current.from, previous.to);
    if (order < 0) {
      issues.push({
        kind: 'overlap',
        ranges: pair,
        variable: `strategy.ranges[${current.index}].from`,
        message: `${names} overlap on [${JSON.stringify(current.from)}, ${JSON.stringify(previous.to)}); set strategy.ranges[${current.index}].from to ${JSON.stringify(previous.to)} (bounds are [from, to): to is exclusive)`,
      });
    } else if (order > 0) {
      issues.push({
        kind: 'gap',
        ranges: pair,
        variable: `strategy.ranges[${current.index}].from`,
        message: `keys in [${JSON.stringify(previous.to)}, ${JSON.stringify(current.from)}) between ${names} belong to no node; set strategy.ranges[${current.index}].from to ${JSON.stringify(previous.to)} or add a range for them (bounds are [from, to): to is exclusive)`,
      });
    }
  }
  if (strategy.defaultNode !== undefined && !nodeIds.has(strategy.defaultNode)) {
    issues.push({
      kind: 'unknown-node',
      ranges: [],
      variable: 'strategy.defaultNode',
      message: `"${strategy.defaultNode}" is not in nodes; use one of ${known} or remove defaultNode`,
    });
  }
  if (issues.length > 0) throw new InvalidRangesError(issues);
  return ranges as CheckedRange<number>[] | CheckedRange<string>[];
}
