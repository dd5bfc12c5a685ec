const marker = Symbol.for('redgrid.secret');
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');
const redacted = '[redacted]';

/**
 * A password, token or private key that must never be printed. `toString()`, `toJSON()`,
 * template literals and `util.inspect` / `console.log` all give `'[redacted]'`; only
 * `reveal()` returns the value, so every place that really needs it is greppable. Every
 * secret in a `RedisConfig` is a `Secret`, which is what makes a config safe to log.
 *
 * Gotcha: a secret is only as safe as the code calling `reveal()`: pass the revealed value
 * straight to the client and never into a log line or an error message.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret value. Call it only where the value is handed to a client or a socket. */
  reveal(): string {
    return this.#value;
  }

  /** Always `'[redacted]'`. */
  toString(): string {
    return redacted;
  }

  /** Always `'[redacted]'`, so `JSON.stringify` of a config never leaks the value. */
  toJSON(): string {
    return redacted;
  }

  [Symbol.toPrimitive](): string {
    return redacted;
  }

  [inspectCustom](): string {
    return redacted;
  }

  /** Marker so that `Secret.isInstance` recognises secrets from another copy of the package. */
  get [marker](): true {
    return true;
  }

  /**
   * True for a `Secret` from any copy of `@redgrid/core` (use it instead of `instanceof` where
   * two copies may be installed).
   */
  static isInstance(value: unknown): value is Secret {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
