const marker = Symbol.for('redgrid.error');

/**
 * Base class of every error RedGrid throws. `code` is stable across releases: branch on it,
 * not on the message. Use `RedGridError.isInstance(error)` rather than `instanceof` when two
 * copies of `@redgrid/core` may be installed side by side (their classes differ, the marker
 * does not).
 */
export class RedGridError extends Error {
  readonly [marker] = true;
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RedGridError';
    this.code = code;
  }

  /** True for any RedGrid error, whichever copy of the package created it. */
  static isInstance(value: unknown): value is RedGridError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
