import { MalformedMessageError } from '../errors/malformed-message-error.js';

/** `value` if it is a finite number >= 0, else a {@link MalformedMessageError}. */
export function amount(channel: string, field: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new MalformedMessageError({ channel, field, expected: 'a finite number >= 0' });
}

/** `value` if it is a non-empty string, else a {@link MalformedMessageError}. */
export function text(channel: string, field: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new MalformedMessageError({ channel, field, expected: 'a non-empty string' });
}
