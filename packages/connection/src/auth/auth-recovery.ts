import { AuthError, exponentialBackoff } from '@redgrid/core';
import { isConnectionFailure } from '../guard/is-connection-failure.js';
import type { InstanceLike } from '../ioredis/internals.js';
import { firstLine, messageOf } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';

const authRetryBackoff = exponentialBackoff({ baseMs: 2_000, maxMs: 60_000 });
const noop = () => {};

/** What an {@link AuthRecovery} needs from its connection. */
export interface AuthRecoveryOptions {
  connection: string;
  logger: Logger;
  /** The ACL user of the configuration, if any. */
  username: string | undefined;
  /** The main client, reconnected to try the credentials again. */
  client: () => InstanceLike & { connect(): Promise<unknown> };
  isClosed: () => boolean;
  /** Sets (or clears) the error every new command fails with at once. */
  setFatalError: (error: AuthError | undefined) => void;
  scrub: (text: string) => string;
}

/**
 * Credentials the server refused: every command then fails at once with the `AuthError`
 * (instead of waiting out reconnects that cannot succeed), and the connection tries again at
 * most once per backoff period (2 s up to 60 s), or at once on `connect()` or a rotation.
 */
export class AuthRecovery {
  readonly #options: AuthRecoveryOptions;
  /** The ACL user the connection authenticates as (changed by a rotation). */
  username: string | undefined;
  #fatal: AuthError | undefined;
  #attempts = 0;
  #retryAtMs = 0;

  constructor(options: AuthRecoveryOptions) {
    this.#options = options;
    this.username = options.username;
  }

  /** The credentials error every command fails with now, or undefined. */
  get fatal(): AuthError | undefined {
    return this.#fatal;
  }

  /** The server refused the credentials (`cause`: its reply); no-op while already refused. */
  refused(cause: unknown): void {
    if (this.#fatal !== undefined) return;
    const error = this.error(cause);
    this.#setFatal(error);
    this.#attempts++;
    this.#retryAtMs = Date.now() + authRetryBackoff(this.#attempts);
    this.#options.logger.error(
      {
        connection: this.#options.connection,
        retryInMs: Math.max(0, this.#retryAtMs - Date.now()),
      },
      error.message,
    );
  }

  /** The main client became ready: the credentials work (again). */
  accepted(): void {
    if (this.#fatal === undefined) return;
    this.#options.logger.info(
      { connection: this.#options.connection },
      'redis accepted the credentials again',
    );
    this.#setFatal(undefined);
    this.#attempts = 0;
  }

  /** Reconnects after an authentication failure, at most once per backoff period. */
  retry(now: boolean): void {
    if (this.#fatal === undefined || this.#options.isClosed()) return;
    if (!now && Date.now() < this.#retryAtMs) return;
    const client = this.#options.client();
    if (client.status !== 'end' && client.status !== 'wait') return;
    this.#retryAtMs = Date.now() + authRetryBackoff(this.#attempts + 1);
    this.#setFatal(undefined);
    this.#options.logger.info(
      { connection: this.#options.connection },
      'redis retrying the credentials',
    );
    client.connect().catch(noop);
  }

  /** The error a failed command is delivered with while the credentials are refused. */
  translate(error: Error): Error {
    if (this.#fatal !== undefined && isConnectionFailure(error)) return this.#fatal;
    if (/^(WRONGPASS|NOAUTH|ERR invalid password)/.test(error.message)) {
      return this.#fatal ?? this.error(error);
    }
    return error;
  }

  /** The `AuthError` for a refusal (`cause`: the server's reply), secrets scrubbed. */
  error(cause: unknown): AuthError {
    const user = this.username === undefined ? '' : ` of ACL user "${this.username}"`;
    return new AuthError(
      `Redis refused the credentials${user} (${this.#options.scrub(firstLine(messageOf(cause)))}); check REDIS_USERNAME / REDIS_PASSWORD or call rotateCredentials()`,
      { cause },
    );
  }

  #setFatal(error: AuthError | undefined): void {
    this.#fatal = error;
    this.#options.setFatalError(error);
  }
}
