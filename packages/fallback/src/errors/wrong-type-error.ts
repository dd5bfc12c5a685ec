import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.WrongTypeError');

/**
 * The in-memory store holds a value of another kind than the operation needs: `increment` on a
 * value that is not an integer, `get` on the state object of a script. The in-memory twin of
 * Redis's `WRONGTYPE` / `ERR value is not an integer` replies, and like them a programming
 * error rather than an outage: it is never answered from the fallback.
 */
export class WrongTypeError extends RedGridError {
  readonly [marker] = true;
  /** The key whose value had the wrong type. */
  readonly key: string;

  constructor(details: { key: string; message: string }, options?: ErrorOptions) {
    super('ERR_WRONG_TYPE', details.message, options);
    this.name = 'WrongTypeError';
    this.key = details.key;
  }

  /** True for a `WrongTypeError` from any copy of the package. */
  static override isInstance(value: unknown): value is WrongTypeError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
