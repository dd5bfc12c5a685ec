import type { FailurePolicy, RateLimitResult } from '@redgrid/rate-limit';

/** Inputs of {@link rateLimitHeaders} besides the result. */
export interface RateLimitHeaderOptions {
  /** Policy name in the headers (printable ASCII; sent as a structured-field String). */
  policy: string;
  /** Window of the limit, in ms (sent in whole seconds as `w`, at least 1). */
  windowMs: number;
  /** The limiter's failure policy, the value of `RateLimit-Degraded` on degraded answers. */
  failurePolicy: FailurePolicy;
}

function quoted(name: string): string {
  return `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * The response headers of one rate-limit decision, the same as `@redgrid/express`'s `rateLimit()`
 * sends by default (IETF draft-ietf-httpapi-ratelimit-headers, structured-field form):
 * `RateLimit-Policy: "<policy>";q=<limit>;w=<window s>` and
 * `RateLimit: "<policy>";r=<remaining>;t=<seconds>`, plus `Retry-After` (seconds, equal to `t`)
 * when refused and `RateLimit-Degraded: <failure policy>` when the limiter's failure policy
 * answered instead of Redis.
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  options: RateLimitHeaderOptions,
): Record<string, string> {
  const name = quoted(options.policy);
  const windowSeconds = Math.max(1, Math.ceil(options.windowMs / 1000));
  const retryAfterSeconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
  const resetSeconds = result.allowed
    ? Math.max(0, Math.ceil(result.resetMs / 1000))
    : retryAfterSeconds;
  const headers: Record<string, string> = {
    'RateLimit-Policy': `${name};q=${result.limit};w=${windowSeconds}`,
    RateLimit: `${name};r=${result.remaining};t=${resetSeconds}`,
  };
  if (result.degraded) headers['RateLimit-Degraded'] = options.failurePolicy;
  if (!result.allowed) headers['Retry-After'] = String(retryAfterSeconds);
  return headers;
}
