import { RedGridError } from './redgrid-error.js';

const marker = Symbol.for('redgrid.error.CircuitOpenError');

/**
 * Thrown (or used to reject) when a circuit breaker does not admit a call: the breaker is
 * open, or half-open with every probe slot taken. The call was not attempted, so it is always
 * safe to retry it later; `retryAfterMs` says when the breaker will next admit a probe (0 when
 * it is half-open and only the probe slots are full). Serving from a fallback is the usual
 * reaction.
 */
export class CircuitOpenError extends RedGridError {
  readonly [marker] = true;
  /** Milliseconds until the breaker will admit a probe; 0 if unknown or already due. */
  readonly retryAfterMs: number;
  /** The `name` option of the breaker that rejected the call, if it has one. */
  declare readonly breakerName?: string;

  constructor(
    details: { retryAfterMs: number; breakerName?: string | undefined; message?: string },
    options?: ErrorOptions,
  ) {
    const retryAfterMs = Math.max(0, Math.ceil(details.retryAfterMs));
    const subject =
      details.breakerName === undefined
        ? 'Circuit breaker'
        : `Circuit breaker "${details.breakerName}"`;
    super(
      'ERR_CIRCUIT_OPEN',
      details.message ??
        `${subject} is open: call not attempted; retry after ${retryAfterMs} ms or serve a fallback`,
      options,
    );
    this.name = 'CircuitOpenError';
    this.retryAfterMs = retryAfterMs;
    if (details.breakerName !== undefined) this.breakerName = details.breakerName;
  }

  /** True for a `CircuitOpenError` from any copy of `@redgrid/core`. */
  static override isInstance(value: unknown): value is CircuitOpenError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
