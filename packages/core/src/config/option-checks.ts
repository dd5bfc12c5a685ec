import { ConfigError, type ConfigIssue } from '../errors/config-error.js';

/** How a bad option value is shown in an issue: the value when it is a scalar, else its kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Collects the problems of an options object, then throws them as one `ConfigError` naming
 * each option (`options.batchSize: must be an integer >= 1; got 0`). An option left out (or
 * `undefined`) takes its default and is never a problem.
 */
export class OptionChecks {
  readonly #issues: ConfigIssue[] = [];
  readonly #prefix: string;

  /** `prefix` names the options object in the issues: `options` gives `options.batchSize`. */
  constructor(prefix = 'options') {
    this.#prefix = prefix;
  }

  #fail(name: string, message: string): this {
    this.#issues.push({ variable: this.#prefix ? `${this.#prefix}.${name}` : name, message });
    return this;
  }

  /** An integer >= `min` (a count, a batch size). */
  integer(name: string, value: unknown, min: number): this {
    if (value === undefined) return this;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min) return this;
    return this.#fail(name, `must be an integer >= ${min}; got ${describeValue(value)}`);
  }

  /** A finite number >= `min`, or > `min` with `above` (a ratio, a percentage). */
  number(name: string, value: unknown, min: number, options: { above?: boolean } = {}): this {
    if (value === undefined) return this;
    if (
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (options.above ? value > min : value >= min)
    ) {
      return this;
    }
    return this.#fail(
      name,
      `must be a finite number ${options.above ? '>' : '>='} ${min}; got ${describeValue(value)}`,
    );
  }

  /** A number of milliseconds >= `min`, an integer when `integer` (sent to Redis). */
  durationMs(name: string, value: unknown, min: number, options: { integer?: boolean } = {}): this {
    if (value === undefined) return this;
    const valid =
      typeof value === 'number' &&
      (options.integer ? Number.isInteger(value) : Number.isFinite(value)) &&
      value >= min;
    if (valid) return this;
    return this.#fail(
      name,
      `must be ${options.integer ? 'an integer' : 'a number'} of milliseconds >= ${min}; got ${describeValue(value)}`,
    );
  }

  /** One of `allowed`. */
  oneOf(name: string, value: unknown, allowed: readonly string[]): this {
    if (value === undefined || (typeof value === 'string' && allowed.includes(value))) return this;
    return this.#fail(
      name,
      `must be ${allowed.map((entry) => `'${entry}'`).join(', ')}; got ${describeValue(value)}`,
    );
  }

  /** A function (a callback). */
  callback(name: string, value: unknown): this {
    if (value === undefined || typeof value === 'function') return this;
    return this.#fail(name, `must be a function; got ${describeValue(value)}`);
  }

  /** A string (a SCAN pattern). */
  text(name: string, value: unknown): this {
    if (value === undefined || typeof value === 'string') return this;
    return this.#fail(name, `must be a string; got ${describeValue(value)}`);
  }

  /** Records a problem found by the caller. */
  problem(name: string, message: string): this {
    return this.#fail(name, message);
  }

  /** The problems so far (for a caller that adds them to its own list). */
  get issues(): readonly ConfigIssue[] {
    return this.#issues;
  }

  /** Throws one `ConfigError` with every problem, if any. */
  throwIfAny(): void {
    if (this.#issues.length > 0) throw new ConfigError(this.#issues);
  }
}
