import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.InvalidArgumentError');

/**
 * An argument of a fallback or cache call is out of range or of the wrong shape (a negative
 * TTL, an empty key list, a script given the wrong number of keys). A programming error: the
 * call was not attempted anywhere, and retrying it unchanged fails again. `argument` names the
 * parameter (e.g. `options.ttlMs`).
 */
export class InvalidArgumentError extends RedGridError {
  readonly [marker] = true;
  /** The parameter that was wrong, e.g. `options.ttlMs`. */
  readonly argument: string;

  constructor(details: { argument: string; message: string }, options?: ErrorOptions) {
    super('ERR_INVALID_ARGUMENT', `${details.argument}: ${details.message}`, options);
    this.name = 'InvalidArgumentError';
    this.argument = details.argument;
  }

  /** True for an `InvalidArgumentError` from any copy of the package. */
  static override isInstance(value: unknown): value is InvalidArgumentError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
