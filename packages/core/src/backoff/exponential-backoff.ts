import { ConfigError, type ConfigIssue } from '../errors/config-error.js';

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Ceiling of the first delay (attempt 0), in ms. Default 100. */
  baseMs?: number;
  /** Largest delay ever returned, in ms. Default 30 000. */
  maxMs?: number;
  /**
   * Source of uniform numbers in [0, 1). Default `Math.random`. Inject a fixed sequence to
   * make tests deterministic.
   */
  random?: () => number;
}

/**
 * Capped exponential backoff with full jitter (as described by AWS's "Exponential Backoff And
 * Jitter"): the delay before retry `attempt` (0-based) is uniform in
 * `[0, min(maxMs, baseMs * 2 ** attempt))`. Full jitter spreads the retries of many clients
 * that failed at the same moment, which is what keeps a recovering Redis from being stampeded;
 * use it on every retry or reconnect path.
 *
 * Gotcha: a delay can be close to 0 for any attempt. That is intended; if a minimum pause is
 * needed, add it outside. Throws `ConfigError` for a negative or non-finite `baseMs`/`maxMs`.
 *
 * @example
 * const delay = exponentialBackoff({ baseMs: 50, maxMs: 2_000 });
 * await sleep(delay(attempt));
 */
export function exponentialBackoff(
  options: ExponentialBackoffOptions = {},
): (attempt: number) => number {
  const { baseMs = 100, maxMs = 30_000, random = Math.random } = options;
  const issues: ConfigIssue[] = [];
  if (!Number.isFinite(baseMs) || baseMs < 0) {
    issues.push({
      variable: 'options.baseMs',
      message: 'must be a finite number >= 0 (milliseconds)',
    });
  }
  if (!Number.isFinite(maxMs) || maxMs < 0) {
    issues.push({
      variable: 'options.maxMs',
      message: 'must be a finite number >= 0 (milliseconds)',
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return (attempt: number): number => {
    // A negative or NaN attempt counts as 0; 2 ** 1100 is Infinity, which min() caps (the
    // baseMs === 0 guard avoids 0 * Infinity = NaN).
    const exponent = Number.isNaN(attempt) ? 0 : Math.max(attempt, 0);
    const ceiling = baseMs === 0 ? 0 : Math.min(maxMs, baseMs * 2 ** exponent);
    return random() * ceiling;
  };
}
