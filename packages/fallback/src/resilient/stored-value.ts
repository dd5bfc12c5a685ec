import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { WrongTypeError } from '../errors/wrong-type-error.js';
import { ENTRY_OVERHEAD_BYTES } from '../memory/estimate-size.js';

// How a ResilientStore checks TTLs and converts what its memory store holds (strings, Buffers,
// counters, script states) into what its operations return.

/** A TTL in whole ms (0 = no expiry); throws for a negative or non-finite one. */
export function checkTtl(ttlMs: number | undefined, argument: string): number {
  if (ttlMs === undefined) return 0;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new InvalidArgumentError({
      argument,
      message: `must be a finite number of ms >= 0 (0 = no expiry), got ${ttlMs}`,
    });
  }
  return Math.ceil(ttlMs);
}

/** Estimated bytes of a string or Buffer held in memory under `key`. */
export function sizeOfStored(key: string, value: string | Buffer): number {
  return (
    ENTRY_OVERHEAD_BYTES +
    key.length * 2 +
    (typeof value === 'string' ? 16 + value.length * 2 : 64 + value.length)
  );
}

function notAString(key: string): WrongTypeError {
  return new WrongTypeError({
    key,
    message: 'The in-memory value is a script state, not a string (WRONGTYPE)',
  });
}

/** A value held in memory as a string; a script state throws `WrongTypeError`. */
export function asStoredString(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return String(value);
  throw notAString(key);
}

/** A value held in memory as bytes; a script state throws `WrongTypeError`. */
export function asStoredBuffer(key: string, value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (typeof value === 'number') return Buffer.from(String(value), 'utf8');
  throw notAString(key);
}
