import type { TypedEmitter } from '@redgrid/core';
import type { ConnectionEvents } from '../connection/redis-connection.js';
import { isAuthFailure } from '../guard/is-connection-failure.js';
import { messageOf } from './error-text.js';
import type { Logger } from './logger.js';
import { RepeatLimiter } from './repeat-limiter.js';

// Connection errors repeat on every reconnect attempt; the same message is logged at most this
// often (the count of repeats is reported with the next one).
const errorLogIntervalMs = 5_000;

/** What an {@link ErrorRecorder} needs from its connection. */
export interface ErrorRecorderOptions {
  connection: string;
  logger: Logger;
  emitter: TypedEmitter<ConnectionEvents>;
  scrub: (text: string) => string;
  /** The error says the credentials were refused. */
  onAuthFailure: (error: Error) => void;
}

/**
 * Connection-level errors (socket, handshake, Sentinel, cluster node): the last one for
 * `health()`, logged (the same message at most every 5 s) and emitted as `error` events, always
 * scrubbed of secrets.
 */
export class ErrorRecorder {
  readonly #options: ErrorRecorderOptions;
  readonly #repeats = new RepeatLimiter(errorLogIntervalMs);
  #last: { message: string; at: Date } | undefined;

  constructor(options: ErrorRecorderOptions) {
    this.#options = options;
  }

  /** Message of the last error (scrubbed), and when it happened. */
  get last(): { readonly message: string; readonly at: Date } | undefined {
    return this.#last;
  }

  /** Keeps `message` (already scrubbed) as the last error, without logging it. */
  keep(message: string): void {
    this.#last = { message, at: new Date() };
  }

  /**
   * Records `error` from `source`. `credentials: false` for errors that say nothing about the
   * data nodes' credentials (the Sentinel watcher's replies).
   */
  record(error: Error, source: string, credentials: boolean): void {
    const { connection, logger, emitter } = this.#options;
    const message = this.#options.scrub(messageOf(error));
    this.keep(message);
    if (credentials && isAuthFailure(error)) this.#options.onAuthFailure(error);
    const repeated = this.#repeats.take(message);
    if (repeated !== undefined) {
      logger.warn(
        { connection, source, err: message, ...(repeated === 0 ? {} : { repeated }) },
        'redis connection error',
      );
    }
    if (emitter.listenerCount('error') > 0) {
      emitter.emit(
        'error',
        message === error.message ? error : new Error(message, { cause: undefined }),
      );
    }
  }
}
