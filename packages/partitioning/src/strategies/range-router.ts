import { UnroutableKeyError } from '../errors/unroutable-key-error.js';
import { defaultKeySegment, extractSegment } from './key-segment.js';
import type { KeySegment, RangeStrategy } from './partition-strategy.js';
import { type CheckedRange, formatRange, validateRanges } from './validate-ranges.js';

const numericSegment = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Routes keys by ranges. Lookup is a binary search over the ranges sorted by lower bound
 * (validated contiguous, so the search only has to check the upper bound of one range).
 */
export class RangeRouter {
  readonly #ranges: CheckedRange<number>[] | CheckedRange<string>[];
  readonly #numeric: boolean;
  readonly #segment: KeySegment | 'key';
  readonly #defaultNode: string | undefined;

  constructor(strategy: RangeStrategy, nodeIds: ReadonlySet<string>) {
    this.#ranges = validateRanges(strategy, nodeIds);
    this.#numeric = strategy.keyType === 'numeric';
    this.#segment = strategy.segment ?? defaultKeySegment;
    this.#defaultNode = strategy.defaultNode;
  }

  /** The validated ranges, sorted by lower bound. */
  get ranges(): readonly CheckedRange<number | string>[] {
    return this.#ranges;
  }

  /** Node for keys outside every range, if any. */
  get defaultNode(): string | undefined {
    return this.#defaultNode;
  }

  /** The comparable value of a key (number or string), or why it has none. */
  valueOf(key: string): number | string | UnroutableKeyError {
    const segment = extractSegment(key, this.#segment);
    if (segment === undefined || segment === '') {
      const where =
        this.#segment === 'key'
          ? 'an empty key'
          : `no part ${this.#segment.index} when split on ${JSON.stringify(this.#segment.separator)}`;
      return new UnroutableKeyError({
        key,
        reason: 'missing-segment',
        message: `Key ${JSON.stringify(key)} has ${where}; name keys like "user:123" (or set strategy.segment, or a defaultNode for such keys)`,
      });
    }
    if (!this.#numeric) return segment;
    const value = numericSegment.test(segment) ? Number(segment) : Number.NaN;
    if (!Number.isFinite(value)) {
      return new UnroutableKeyError({
        key,
        reason: 'not-numeric',
        message: `Key ${JSON.stringify(key)} routes on segment ${JSON.stringify(segment)}, which is not a number; the numeric range strategy needs keys like "user:123" (or set strategy.segment, or a defaultNode for such keys)`,
      });
    }
    return value;
  }

  /** The range holding a value, or undefined when it lies outside every range. */
  rangeOf(value: number | string): CheckedRange<number | string> | undefined {
    const ranges: readonly CheckedRange<number | string>[] = this.#ranges;
    let low = 0;
    let high = ranges.length - 1;
    let found: CheckedRange<number | string> | undefined;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const range = ranges[middle];
      if (range === undefined) break;
      if (range.from === undefined || range.from <= value) {
        found = range;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (found === undefined || (found.to !== undefined && value >= found.to)) return undefined;
    return found;
  }

  /** The owner of a key, or an error saying why there is none (not thrown: callers decide). */
  route(key: string): string | UnroutableKeyError {
    const value = this.valueOf(key);
    if (typeof value === 'object') return this.#defaultNode ?? value;
    const range = this.rangeOf(value);
    if (range !== undefined) return range.node;
    if (this.#defaultNode !== undefined) return this.#defaultNode;
    const first = this.#ranges[0];
    const last = this.#ranges[this.#ranges.length - 1];
    const covered =
      first && last
        ? `the ranges cover ${formatRange({ from: first.from, to: last.to, node: '...' }).replace(' -> "..."', '')}`
        : 'no range is defined';
    return new UnroutableKeyError({
      key,
      reason: 'outside-ranges',
      message: `Key ${JSON.stringify(key)} (segment ${JSON.stringify(value)}) is outside every range: ${covered}; add a range for it or set strategy.defaultNode`,
    });
  }
}
