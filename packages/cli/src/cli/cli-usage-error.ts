import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.CliUsageError');

/**
 * Thrown (code `ERR_CLI_USAGE`, exit code 64) for input `redgrid` cannot use: an unknown
 * command or flag, a bad flag value, a missing argument. `input` names the flag or argument
 * (`--threshold`); the message says what was wrong and what to do.
 */
export class CliUsageError extends RedGridError {
  readonly [marker] = true;
  /** The flag, argument or file the problem is about, e.g. `--threshold`. */
  readonly input: string;

  constructor(input: string, message: string, options?: ErrorOptions) {
    super('ERR_CLI_USAGE', `${input}: ${message}`, options);
    this.name = 'CliUsageError';
    this.input = input;
  }

  /** True for a `CliUsageError` from any copy of `@redgrid/cli`. */
  static override isInstance(value: unknown): value is CliUsageError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
