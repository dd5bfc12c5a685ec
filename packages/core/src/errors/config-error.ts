import { RedGridError } from './redgrid-error.js';

const marker = Symbol.for('redgrid.error.ConfigError');

/** One problem found while validating a configuration. */
export interface ConfigIssue {
  /**
   * What was wrong, named as the user wrote it: an environment variable (`REDIS_PORT`) or an
   * option path (`options.port`, `options.nodes[2].host`).
   */
  readonly variable: string;
  /** What is wrong with it and how to fix it. Never contains a password or key material. */
  readonly message: string;
}

/**
 * Thrown when a configuration or an options object is invalid. One `ConfigError` lists every
 * problem found (`issues`), not just the first, so a deployment can be fixed in one go. The
 * message has one line per issue, `VARIABLE: what is wrong; what to do`. Secret values never
 * appear in it.
 */
export class ConfigError extends RedGridError {
  readonly [marker] = true;
  /** Every problem, in the order found. Never empty. */
  readonly issues: ReadonlyArray<ConfigIssue>;

  constructor(issues: ReadonlyArray<ConfigIssue>, options?: ErrorOptions) {
    const list = issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join('\n');
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super('ERR_CONFIG', `Invalid configuration (${count}):\n${list}`, options);
    this.name = 'ConfigError';
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }

  /** True for a `ConfigError` from any copy of `@redgrid/core`. */
  static override isInstance(value: unknown): value is ConfigError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
