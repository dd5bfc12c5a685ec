import { RedGridError } from './redgrid-error.js';

const marker = Symbol.for('redgrid.error.CommandRetriesExhaustedError');

/**
 * A command was written to Redis, lost its connection before the reply, and was written again
 * after each reconnect until it had been resent `maxRetries` times (`REDIS_MAX_RETRIES_PER_REQUEST`).
 * A command only waiting for a connection never fails this way: that wait is bounded by the
 * command deadline alone. Gotcha: the command may have been executed, once or several times.
 */
export class CommandRetriesExhaustedError extends RedGridError {
  readonly [marker] = true;
  /** Name of the command, e.g. `INCR` (no arguments). */
  readonly command: string;
  /** The limit that was reached (`maxRetriesPerRequest`). */
  readonly maxRetries: number;

  constructor(details: { command: string; maxRetries: number }, options?: ErrorOptions) {
    super(
      'ERR_COMMAND_RETRIES_EXHAUSTED',
      `Redis command ${details.command} lost its connection after it was written, ${details.maxRetries + 1} times; it is not resent again (REDIS_MAX_RETRIES_PER_REQUEST=${details.maxRetries}; raise it, or set null to resend until the command deadline). It may have been executed.`,
      options,
    );
    this.name = 'CommandRetriesExhaustedError';
    this.command = details.command;
    this.maxRetries = details.maxRetries;
  }

  /** True for a `CommandRetriesExhaustedError` from any copy of `@redgrid/core`. */
  static override isInstance(value: unknown): value is CommandRetriesExhaustedError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
