import type { CircuitOpenError } from '../errors/circuit-open-error.js';

/** The three states of a {@link CircuitBreaker}. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Why a breaker opened. */
export type CircuitOpenReason =
  | 'failure-rate'
  | 'consecutive-failures'
  | 'probe-failed'
  | 'manual'
  | 'unreachable';

/** Options of {@link CircuitBreaker}; every field is optional. */
export interface CircuitBreakerOptions {
  /** Shown in `CircuitOpenError` messages and `breakerName`; name it after what it guards. */
  name?: string;
  /** Length of the rolling window the failure rate is computed over, in ms. Default 10 000. */
  windowMs?: number;
  /** Number of buckets the window is divided into (its time resolution). Default 10. */
  windowBuckets?: number;
  /** Calls needed in the window before the failure rate can trip the breaker. Default 10. */
  minimumRequests?: number;
  /** Failure rate (0 < r <= 1) at or above which the breaker trips. Default 0.5. */
  failureRateThreshold?: number;
  /** Trip after this many failures in a row, whatever the rate; 0 turns it off. Default 5. */
  consecutiveFailures?: number;
  /** How long the breaker stays open the first time before admitting a probe, in ms. Default 5 000. */
  openDurationMs?: number;
  /** Cap of the open duration, which doubles after each failed probe, in ms. Default 60 000. */
  maxOpenDurationMs?: number;
  /** Calls admitted at once as probes while half-open; the rest are rejected. Default 1. */
  halfOpenMaxProbes?: number;
  /**
   * Decides whether an error counts as a failure. Return false for errors that prove the
   * dependency is healthy (a Redis reply error such as WRONGTYPE or NOSCRIPT): they count as
   * successes. Default: every error is a failure.
   */
  isFailure?: (error: unknown) => boolean;
  /** Time source in ms; inject one in tests. Default `performance.now`. */
  clock?: () => number;
  /**
   * Receives the error of an event listener that threw; the breaker and the call go on. Default:
   * one process warning per event (see `TypedEmitter`).
   */
  onListenerError?: (error: unknown, event: keyof CircuitBreakerEvents) => void;
}

/** Listener signatures of {@link CircuitBreaker.on}. */
export interface CircuitBreakerEvents {
  /** The breaker opened (or re-opened after a failed probe) for `openForMs`. */
  open: (info: { reason: CircuitOpenReason; openForMs: number }) => void;
  /** The open period is over; the next calls are probes. */
  halfOpen: () => void;
  /** The breaker closed (a probe succeeded, or `close()` / `reset()`). */
  close: () => void;
  /** A call was not admitted. */
  reject: (error: CircuitOpenError) => void;
  /** A call succeeded (or failed with an error `isFailure` rejected). */
  success: () => void;
  /** A call failed and the failure was counted. */
  failure: (error: unknown) => void;
}

/** A snapshot of a breaker, from {@link CircuitBreaker.stats}. */
export interface CircuitBreakerStats {
  state: CircuitState;
  /** Calls recorded in the rolling window (successes + failures). */
  requests: number;
  /** Failures recorded in the rolling window. */
  failures: number;
  /** Successes recorded in the rolling window. */
  successes: number;
  /** Calls rejected since the breaker was created or `reset()`. */
  rejections: number;
  /** failures / requests in the window; 0 when there were no requests. */
  failureRate: number;
  /** Failures in a row, up to now. */
  consecutiveFailures: number;
  /** While open: the clock time at which a probe will be admitted. */
  openUntil?: number;
}
