/**
 * The answer to one check. `allowed` is the decision; the other fields are what an HTTP layer
 * needs for `RateLimit` / `Retry-After` headers.
 *
 * `degraded: true` means the store failed and the limiter's failure policy decided: `memory`
 * counted in this process only, `open` allowed without counting, `closed` refused without
 * counting. A store failure is never reported as an exceeded limit: check `degraded` before
 * answering 429 (a `closed` refusal is an outage — 503 — not a client fault).
 */
export interface RateLimitResult {
  /** True when the request may proceed (and its cost was consumed). */
  readonly allowed: boolean;
  /** The limit that applied (after a per-key override; divided per instance in memory). */
  readonly limit: number;
  /**
   * Units left in the current window or bucket after this check. A rejected check consumed
   * nothing: it can still be above 0 when the check's cost was larger than what is left.
   */
  readonly remaining: number;
  /** Milliseconds until the key is fully replenished (fixed window: until the window ends). */
  readonly resetMs: number;
  /** Milliseconds until a check of the same cost can pass; 0 when allowed. */
  readonly retryAfterMs: number;
  /** True when the store failed and the failure policy produced this result. */
  readonly degraded: boolean;
}

/**
 * The answer to a multi-limit check (`checkAll`): `allowed` only when every limit allowed, in
 * which case every limit consumed its cost; when any rejected, none consumed anything. The
 * top-level fields describe the most constraining limit (least `remaining`), with the longest
 * `retryAfterMs` and `resetMs`; `results` has one entry per limit, in the order given.
 */
export interface MultiRateLimitResult extends RateLimitResult {
  readonly results: readonly RateLimitResult[];
}
