import { ConfigError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.InvalidRangesError');

/** What is wrong with one range (or with the ranges as a whole) of a range strategy. */
export interface RangeIssue {
  /**
   * - `gap`: keys between two ranges belong to no node.
   * - `overlap`: two ranges claim the same keys.
   * - `inverted`: `from` is not below `to`, so the range holds no key.
   * - `invalid-bound`: a bound of the wrong type (a string in a numeric strategy, NaN, ...).
   * - `unknown-node`: the range (or `defaultNode`) names a node that is not in `nodes`.
   * - `empty`: no range at all.
   */
  readonly kind: 'gap' | 'overlap' | 'inverted' | 'invalid-bound' | 'unknown-node' | 'empty';
  /** Indexes into `strategy.ranges` of the ranges involved (none for `empty` and `defaultNode`). */
  readonly ranges: readonly number[];
  /** Option path, e.g. `strategy.ranges[2]`. */
  readonly variable: string;
  /** What is wrong, naming the range as `[from, to) -> "node"`, and how to fix it. */
  readonly message: string;
}

/**
 * Thrown when the ranges of a `range` strategy leave gaps, overlap, are inverted or name an
 * unknown node. Every problem is listed in `rangeIssues` (and, like any `ConfigError`, in
 * `issues` and one line each in the message), so the layout can be fixed in one go. It is a
 * `ConfigError` (code `ERR_CONFIG`): catch either.
 */
export class InvalidRangesError extends ConfigError {
  readonly [marker] = true;
  /** Every problem found, in range order. Never empty. */
  readonly rangeIssues: readonly RangeIssue[];

  constructor(issues: readonly RangeIssue[], options?: ErrorOptions) {
    super(
      issues.map((issue) => ({
        variable: issue.variable,
        message: issue.message,
      })),
      options,
    );
    this.name = 'InvalidRangesError';
    this.rangeIssues = Object.freeze(
      issues.map((issue) => Object.freeze({ ...issue, ranges: Object.freeze([...issue.ranges]) })),
    );
  }

  /** True for an `InvalidRangesError` from any copy of `@redgrid/partitioning`. */
  static override isInstance(value: unknown): value is InvalidRangesError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
