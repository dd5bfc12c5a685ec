import { RedGridError } from './redgrid-error.js';

const marker = Symbol.for('redgrid.error.CrossSlotError');

/**
 * A multi-key operation names keys that live in different hash slots (Redis Cluster) or on
 * different nodes (client-side partitioning), so it cannot run atomically in one place. Put
 * the common part of the keys in a hash tag, e.g. `user:{42}:profile` and `user:{42}:cart`,
 * or split the operation per key.
 */
export class CrossSlotError extends RedGridError {
  readonly [marker] = true;
  /** The keys of the rejected operation. */
  readonly keys: readonly string[];

  constructor(details: { keys: readonly string[]; message?: string }, options?: ErrorOptions) {
    const shown = details.keys.slice(0, 5).map((key) => JSON.stringify(key));
    if (details.keys.length > 5) shown.push(`and ${details.keys.length - 5} more`);
    super(
      'ERR_CROSS_SLOT',
      details.message ??
        `Keys ${shown.join(', ')} do not hash to the same slot; give them a common hash tag such as "{user:42}" or split the operation`,
      options,
    );
    this.name = 'CrossSlotError';
    this.keys = Object.freeze([...details.keys]);
  }

  /** True for a `CrossSlotError` from any copy of `@redgrid/core`. */
  static override isInstance(value: unknown): value is CrossSlotError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
