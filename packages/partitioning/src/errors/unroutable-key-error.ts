import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.UnroutableKeyError');

/** Why a key could not be given a node. */
export type UnroutableReason =
  /** The key lies outside every range and the strategy has no `defaultNode`. */
  | 'outside-ranges'
  /** The key has no segment at the configured position (e.g. `user` without `:id`). */
  | 'missing-segment'
  /** A numeric range strategy found a segment that is not a finite number. */
  | 'not-numeric'
  /** The layout has no node at all. */
  | 'no-nodes';

/**
 * Thrown (code `ERR_UNROUTABLE_KEY`) when the partitioning strategy cannot say which node owns
 * a key. With a range strategy, either add a range that covers the key or set `defaultNode`
 * so that stray keys have a home; check the `segment` option when keys are not of the form it
 * expects. The key is in the message: do not put secrets in key names.
 */
export class UnroutableKeyError extends RedGridError {
  readonly [marker] = true;
  /** The key that could not be routed. */
  readonly key: string;
  /** Why. */
  readonly reason: UnroutableReason;

  constructor(
    details: { key: string; reason: UnroutableReason; message: string },
    options?: ErrorOptions,
  ) {
    super('ERR_UNROUTABLE_KEY', details.message, options);
    this.name = 'UnroutableKeyError';
    this.key = details.key;
    this.reason = details.reason;
  }

  /** True for an `UnroutableKeyError` from any copy of `@redgrid/partitioning`. */
  static override isInstance(value: unknown): value is UnroutableKeyError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
