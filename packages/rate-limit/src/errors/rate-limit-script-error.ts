import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.RateLimitScriptError');

/**
 * The rate-limit script failed for a reason that is not an outage: a key of the rate limiter's
 * namespace holds a value of another type (another program writes under the same prefix), or
 * the reply could not be read. Not covered by the failure policy, because retrying elsewhere
 * would not fix it: give the limiter its own `prefix`.
 */
export class RateLimitScriptError extends RedGridError {
  readonly [marker] = true;

  constructor(detail: string, options?: ErrorOptions) {
    super(
      'ERR_RATE_LIMIT_SCRIPT',
      `Rate-limit script failed: ${detail}. Check that nothing else writes under the limiter's key prefix.`,
      options,
    );
    this.name = 'RateLimitScriptError';
  }

  /** True for a `RateLimitScriptError` from any copy of `@redgrid/rate-limit`. */
  static override isInstance(value: unknown): value is RateLimitScriptError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
