import { RedGridError } from './redgrid-error.js';

const marker = Symbol.for('redgrid.error.ConnectionClosedError');

/**
 * The connection was closed (by `close()`, or for good after giving up reconnecting) while a
 * command was pending or was issued afterwards. Commands in flight when the socket dropped may
 * or may not have been executed.
 */
export class ConnectionClosedError extends RedGridError {
  readonly [marker] = true;

  constructor(
    message = 'The Redis connection is closed; create a new connection',
    options?: ErrorOptions,
  ) {
    super('ERR_CONNECTION_CLOSED', message, options);
    this.name = 'ConnectionClosedError';
  }

  /** True for a `ConnectionClosedError` from any copy of `@redgrid/core`. */
  static override isInstance(value: unknown): value is ConnectionClosedError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
