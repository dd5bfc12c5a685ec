import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.CacheDecodeError');

/** Why a stored value could not be decoded. */
export type CacheDecodeReason =
  | 'not-a-cache-value'
  | 'unsupported-version'
  | 'unknown-serializer'
  | 'unknown-compression'
  | 'unknown-encryption'
  | 'unknown-key'
  | 'encryption-required'
  | 'authentication-failed'
  | 'corrupt';

/**
 * A value found in Redis (or the fallback store) cannot be decoded: it was not written by a
 * RedGrid cache, was written with a serializer or encryption key id this instance does not know
 * (add the old key to `encryption.keys` when rotating), failed its AES-GCM authentication
 * (tampered with, or the wrong key under the same id), or is truncated. The cache treats such a
 * value as a miss and reports the error through its `error` event; it never returns it.
 */
export class CacheDecodeError extends RedGridError {
  readonly [marker] = true;
  /** Machine-readable reason. */
  readonly reason: CacheDecodeReason;

  constructor(details: { reason: CacheDecodeReason; message: string }, options?: ErrorOptions) {
    super('ERR_CACHE_DECODE', details.message, options);
    this.name = 'CacheDecodeError';
    this.reason = details.reason;
  }

  /** True for a `CacheDecodeError` from any copy of the package. */
  static override isInstance(value: unknown): value is CacheDecodeError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
