import type { CircuitBreaker } from '@redgrid/core';
import type { WriteFenceOptions } from '../fence/write-fence.js';
import type { CommandLike, InstanceLike } from '../ioredis/internals.js';
import type { CommandMetrics, CommandOutcome } from '../metrics/command-metrics.js';

/** What the guard reports about each finished command (metrics hook, audit log). */
export interface CommandEvent {
  /** Command name in upper case, e.g. `GET`. Never its arguments. */
  readonly command: string;
  /** How the command ended. */
  readonly outcome: CommandOutcome;
  /** From the guarded send to the reply, in ms (0 for `rejected`). */
  readonly durationMs: number;
  /** The error delivered to the caller, when there was one. */
  readonly error?: Error;
  /** The ioredis command, to read its keys for an audit log (do not keep it). */
  readonly source: CommandLike | undefined;
  /** The connection it was last written to, when it was written (do not keep it). */
  readonly node?: InstanceLike | undefined;
}

/**
 * Picks the instance that writes a command sent to a guarded instance: another connection to
 * the same server (never guarded itself), or undefined to write it on the guarded one.
 */
export type CommandRoute = (command: CommandLike, stream: unknown) => InstanceLike | undefined;

/** Options of {@link CommandGuard}. */
export interface CommandGuardOptions {
  breaker: CircuitBreaker;
  /** Deadline of each command, from the moment it is sent; 0 disables deadlines. */
  commandTimeoutMs: number;
  metrics: CommandMetrics;
  /** Same predicate as the breaker's: decides `failure` vs `reply-error`. */
  isFailure: (error: unknown) => boolean;
  /** Called once per finished command when set (metrics hooks, audit). */
  onCommand?: ((event: CommandEvent) => void) | undefined;
  /**
   * Replaces the error a command is about to be rejected with (e.g. ioredis' "Connection is
   * closed." by the `AuthError` that caused it). Return `error` itself to keep it.
   */
  translateError?: ((error: Error) => Error) | undefined;
  /**
   * How many times a command already written to a connection may be written again after that
   * connection is lost (ioredis resends unanswered commands on reconnect), on the instances
   * attached with `countResends`. Past it the command fails with `CommandRetriesExhaustedError`.
   * null or undefined: no limit (the deadline still bounds the wait).
   */
  maxResends?: number | null | undefined;
  /** The write fence (holds writes during failovers, confirms them with `WAIT`); none when absent. */
  fence?: Omit<WriteFenceOptions, 'host'> | undefined;
  /** Wait before a cluster command given up on a lost connection is sent again, in ms. Default 100. */
  clusterRetryDelayMs?: number | undefined;
  /** Time source in ms. Default `performance.now`. */
  clock?: (() => number) | undefined;
}

/** How {@link CommandGuard.attach} guards one instance. */
export interface AttachOptions {
  /**
   * Count resends of written commands on this instance against `maxResends`. For the
   * instances whose own reconnects resend commands (a single server, a Sentinel master); a
   * cluster's retries are bounded by the deadline instead.
   */
  countResends?: boolean;
}
