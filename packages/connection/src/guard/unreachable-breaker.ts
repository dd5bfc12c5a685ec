import type { CircuitBreaker } from '@redgrid/core';
import type { Logger } from '../logging/logger.js';

/** What an {@link UnreachableBreaker} needs from its connection. */
export interface UnreachableBreakerOptions {
  connection: string;
  logger: Logger;
  breaker: CircuitBreaker;
  /** The command deadline, in ms; 0 disables this. */
  timeoutMs: number;
  isClosed: () => boolean;
  /** The main client is ready. */
  isReady: () => boolean;
}

/**
 * A server that stays unreachable for a whole command deadline opens the breaker, so that
 * from then on callers fail fast (and fallbacks serve) instead of each command waiting out its
 * own deadline: without it, a request that makes several Redis calls would wait one deadline
 * per call until enough of them had failed to trip the breaker. A failover shorter than the
 * deadline never trips it. Reconnecting closes the breaker again.
 */
export class UnreachableBreaker {
  readonly #options: UnreachableBreakerOptions;
  /** Runs while the main client has no socket; trips the breaker after one deadline. */
  #timer: NodeJS.Timeout | undefined;
  /** The breaker was tripped because the server was unreachable (closed again on reconnect). */
  #tripped = false;

  constructor(options: UnreachableBreakerOptions) {
    this.#options = options;
  }

  /** The main client lost its socket: starts counting one deadline (if not already). */
  lost(): void {
    const { timeoutMs, breaker, logger, connection } = this.#options;
    if (this.#timer !== undefined || timeoutMs <= 0 || this.#options.isClosed()) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#options.isClosed() || this.#options.isReady() || breaker.state !== 'closed') {
        return;
      }
      logger.warn(
        { connection, unreachableForMs: timeoutMs },
        'redis unreachable for a whole command deadline; failing fast until it is back',
      );
      this.#tripped = true;
      breaker.trip();
    }, timeoutMs);
    this.#timer.unref();
  }

  /** The main client is ready again: stops counting, and closes the breaker this tripped. */
  reached(): void {
    this.stop();
    if (this.#tripped) {
      this.#tripped = false;
      // Connected again (handshake and ready check passed): what opened the breaker is gone.
      if (this.#options.breaker.state !== 'closed') this.#options.breaker.close();
    }
  }

  /** Stops counting (closing). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
