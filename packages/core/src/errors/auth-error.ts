import { RedGridError } from './redgrid-error.js';

const marker = Symbol.for('redgrid.error.AuthError');

/**
 * Redis refused the credentials: wrong password, unknown ACL user, or a password required but
 * not configured. Retrying with the same credentials will not help; fix the configuration or
 * rotate the credentials. The message never contains the password; pass the server's reply as
 * `cause` only after checking it does not echo one either.
 */
export class AuthError extends RedGridError {
  readonly [marker] = true;

  constructor(
    message = 'Redis rejected the credentials (wrong password or unknown ACL user); check REDIS_USERNAME / REDIS_PASSWORD',
    options?: ErrorOptions,
  ) {
    super('ERR_AUTH', message, options);
    this.name = 'AuthError';
  }

  /** True for an `AuthError` from any copy of `@redgrid/core`. */
  static override isInstance(value: unknown): value is AuthError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
