import { ConnectionClosedError, CrossSlotError, RedGridError } from '@redgrid/core';
import type { CommandLike } from '../ioredis/internals.js';

/**
 * The error a failed command is delivered with: `ConnectionClosedError` once the guard is
 * closing (for errors not already RedGrid's), `CrossSlotError` with the keys for a CROSSSLOT
 * reply, else what the connection's `translate` makes of it (the error itself by default).
 */
export function translateCommandError(
  error: Error,
  command: CommandLike | undefined,
  closing: boolean,
  translate: ((error: Error) => Error) | undefined,
): Error {
  if (closing && !RedGridError.isInstance(error)) {
    return new ConnectionClosedError(undefined, { cause: error });
  }
  if (
    error.name === 'ReplyError' &&
    error.message.startsWith('CROSSSLOT') &&
    command?.getKeys !== undefined
  ) {
    const keys = command.getKeys().map((key) => String(key));
    return new CrossSlotError({ keys }, { cause: error });
  }
  return translate?.(error) ?? error;
}
