import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.MalformedMessageError');

/**
 * A message on a RedGrid channel did not have the shape of the contract in `@redgrid/core`
 * (e.g. a `durationMs` that is not a number), so `observeRedGrid` could not record it. It is
 * never thrown to the publisher: it is counted in `redgrid_observability_errors_total` and
 * passed to the `onError` option. Seeing one means a publisher has a bug.
 */
export class MalformedMessageError extends RedGridError {
  readonly [marker] = true;
  /** The channel the message came from, e.g. `redgrid:command`. */
  readonly channel: string;
  /** The field that was wrong. */
  readonly field: string;

  constructor(details: { channel: string; field: string; expected: string }) {
    super(
      'ERR_MALFORMED_MESSAGE',
      `A message on ${details.channel} has an invalid ${details.field} (expected ${details.expected}); the publisher does not follow the channel contract of @redgrid/core`,
    );
    this.name = 'MalformedMessageError';
    this.channel = details.channel;
    this.field = details.field;
  }

  /** True for a `MalformedMessageError` from any copy of the package. */
  static override isInstance(value: unknown): value is MalformedMessageError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
