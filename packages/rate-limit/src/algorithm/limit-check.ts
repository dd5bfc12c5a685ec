import type { RateLimitAlgorithm } from './rate-limit-algorithm.js';

/** The parameters of one limit, validated. Checks of one limiter usually share one profile. */
export interface LimitProfile {
  readonly algorithm: RateLimitAlgorithm;
  /** Units allowed per window (the refill per window for token-bucket and gcra). */
  readonly limit: number;
  readonly windowMs: number;
  /** Capacity of token-bucket and gcra; equal to `limit` for the window algorithms. */
  readonly burst: number;
  /** How long a key stays rejected after it exceeded its limit; 0 = no block. */
  readonly blockMs: number;
}

/** One limit to decide: a profile applied to one storage key with a cost. */
export interface LimitCheck {
  readonly profile: LimitProfile;
  /** The key the state lives under (prefix, algorithm tag and hash-tagged user key). */
  readonly stateKey: string;
  /** The key the block lives under; same slot as `stateKey`. */
  readonly blockKey: string;
  /** Units consumed (or given back, in refund mode). Positive integer. */
  readonly cost: number;
}

/** What happens to the state: consume, decide without writing, or give units back. */
export type CheckMode = 'consume' | 'dry-run' | 'refund';

/** The decision for one limit. Durations in ms, rounded up. */
export interface LimitOutcome {
  allowed: boolean;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

/** The decision for one group of limits checked all-or-nothing, or why it could not be made. */
export type GroupOutcome =
  | {
      readonly ok: true;
      readonly allowed: boolean;
      readonly limits: LimitOutcome[];
    }
  | { readonly ok: false; readonly error: Error };

/** Decides groups of limits against some store (Redis or memory). */
export interface CheckEngine {
  /** Decides one group; `tag` is the hash tag its keys share (batches never mix tags on a cluster). */
  evaluate(
    mode: CheckMode,
    group: readonly LimitCheck[],
    tag: string,
  ): Promise<GroupOutcome> | GroupOutcome;
}
