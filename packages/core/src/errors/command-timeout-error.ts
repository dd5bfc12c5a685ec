import { RedGridError } from './redgrid-error.js';

const marker = Symbol.for('redgrid.error.CommandTimeoutError');

/**
 * A Redis command got no reply within its deadline. Gotcha: the command may still have been
 * executed by the server (the reply was late, not necessarily the request), so only retry
 * commands that are safe to run twice. `command` is the command name only (e.g. `GET`), never
 * its arguments, which may hold keys or values that must not be logged.
 */
export class CommandTimeoutError extends RedGridError {
  readonly [marker] = true;
  /** Name of the command that timed out, e.g. `GET` (no arguments). */
  readonly command: string;
  /** The deadline that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(
    details: { command: string; timeoutMs: number; message?: string },
    options?: ErrorOptions,
  ) {
    super(
      'ERR_COMMAND_TIMEOUT',
      details.message ??
        `Redis command ${details.command} got no reply within ${details.timeoutMs} ms; the server may be overloaded, paused or unreachable (it may still have executed the command)`,
      options,
    );
    this.name = 'CommandTimeoutError';
    this.command = details.command;
    this.timeoutMs = details.timeoutMs;
  }

  /** True for a `CommandTimeoutError` from any copy of `@redgrid/core`. */
  static override isInstance(value: unknown): value is CommandTimeoutError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
