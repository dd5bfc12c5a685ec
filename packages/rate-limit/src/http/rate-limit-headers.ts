import { ConfigError, type ConfigIssue } from '@redgrid/core';
import type { FailurePolicy, RateLimitResult } from '../index.js';

/**
 * Which IETF RateLimit header fields to send:
 * - `draft-8`: the structured-field form of draft-ietf-httpapi-ratelimit-headers-08 and every
 *   later draft up to the current one (-11 at the time of writing; the fields did not change):
 *   `RateLimit-Policy: "default";q=100;w=60` and `RateLimit: "default";r=42;t=17`. Several
 *   limiters on one response append items to the same lists.
 * - `draft-7`: `RateLimit-Policy: 100;w=60` and `RateLimit: limit=100, remaining=42, reset=17`.
 * - `draft-6`: `RateLimit-Policy: 100;w=60`, `RateLimit-Limit`, `RateLimit-Remaining`,
 *   `RateLimit-Reset`.
 * The names follow express-rate-limit's `standardHeaders`, so a migration keeps the setting.
 */
export type RateLimitHeaderStyle = 'draft-8' | 'draft-7' | 'draft-6';

/** What the headers of one decision depend on besides its result. */
export interface RateLimitHeaderOptions {
  /** Policy name (printable ASCII; sent as a structured-field String in `draft-8`). */
  policy: string;
  /** Window of the limit in ms (sent in whole seconds as `w`, at least 1). */
  windowMs: number;
  /** The limiter's failure policy: the value of the degraded header on degraded answers. */
  failurePolicy: FailurePolicy;
  /** IETF RateLimit header style, or `false` for none. Default `'draft-8'` (current draft). */
  standardHeaders?: RateLimitHeaderStyle | false;
  /** Also send `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`. Default false. */
  legacyHeaders?: boolean;
  /**
   * Header naming the failure policy when the answer did not come from Redis, or `false` for
   * none. Default `'RateLimit-Degraded'`.
   */
  degradedHeader?: string | false;
  /** Current time in ms, for the Unix-time `X-RateLimit-Reset`. Default `Date.now()`. */
  nowMs?: number;
}

/** The part of a response headers are written to: Node's `ServerResponse` (so Express's) fits. */
export interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): number | string | string[] | undefined;
}

/** One header field of a decision; `list` fields are appended to what is already set. */
interface HeaderField {
  readonly name: string;
  readonly value: string;
  readonly list: boolean;
}

const DEFAULT_DEGRADED_HEADER = 'RateLimit-Degraded';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Problems with the header options an adapter takes from its user (`policy`, `standardHeaders`,
 * `degradedHeader`), named `options.<field>`: for an adapter that validates every option at
 * construction and throws one `ConfigError` listing them all.
 */
export function rateLimitHeaderIssues(
  options: Pick<RateLimitHeaderOptions, 'policy' | 'standardHeaders' | 'degradedHeader'>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const style = options.standardHeaders;
  if (
    style !== undefined &&
    style !== false &&
    style !== 'draft-6' &&
    style !== 'draft-7' &&
    style !== 'draft-8'
  ) {
    issues.push({
      variable: 'options.standardHeaders',
      message: `must be 'draft-8' (current), 'draft-7', 'draft-6' or false, got ${String(style)}`,
    });
  }
  const degraded = options.degradedHeader;
  if (degraded !== undefined && degraded !== false && !HEADER_NAME.test(degraded)) {
    issues.push({
      variable: 'options.degradedHeader',
      message: `must be a valid header name or false, got ${JSON.stringify(degraded)}`,
    });
  }
  if (!PRINTABLE_ASCII.test(options.policy)) {
    issues.push({
      variable: 'options.policy',
      message: `must be printable ASCII (it is sent as a structured-field String), got ${JSON.stringify(options.policy)}`,
    });
  }
  return issues;
}

/**
 * Seconds a refused client should wait: `retryAfterMs` rounded up, at least 1 (a `Retry-After`
 * of 0 invites an immediate retry that would be refused again).
 */
export function retryAfterSeconds(result: Pick<RateLimitResult, 'retryAfterMs'>): number {
  return Math.max(1, Math.ceil(result.retryAfterMs / 1000));
}

function quotedPolicy(policy: string): string {
  if (!PRINTABLE_ASCII.test(policy)) {
    throw new ConfigError(rateLimitHeaderIssues({ policy }));
  }
  return `"${policy.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function headerFields(result: RateLimitResult, options: RateLimitHeaderOptions): HeaderField[] {
  const fields: HeaderField[] = [];
  const style = options.standardHeaders ?? 'draft-8';
  const retryAfter = retryAfterSeconds(result);
  // On a refusal the reset equals Retry-After: the draft says Retry-After must not point earlier
  // than the reset parameter.
  const reset = result.allowed ? Math.max(0, Math.ceil(result.resetMs / 1000)) : retryAfter;
  // The drafts forbid `w=0` and have no sub-second unit.
  const window = Math.max(1, Math.ceil(options.windowMs / 1000));
  const limit = result.limit;
  const remaining = result.remaining;
  const set = (name: string, value: string, list = false) => fields.push({ name, value, list });
  switch (style) {
    case 'draft-8': {
      const policy = quotedPolicy(options.policy);
      set('RateLimit-Policy', `${policy};q=${limit};w=${window}`, true);
      set('RateLimit', `${policy};r=${remaining};t=${reset}`, true);
      break;
    }
    case 'draft-7':
      set('RateLimit-Policy', `${limit};w=${window}`);
      set('RateLimit', `limit=${limit}, remaining=${remaining}, reset=${reset}`);
      break;
    case 'draft-6':
      set('RateLimit-Policy', `${limit};w=${window}`);
      set('RateLimit-Limit', String(limit));
      set('RateLimit-Remaining', String(remaining));
      set('RateLimit-Reset', String(reset));
      break;
    case false:
      break;
  }
  if (options.legacyHeaders === true) {
    set('X-RateLimit-Limit', String(limit));
    set('X-RateLimit-Remaining', String(remaining));
    // A Unix time in seconds, as GitHub and express-rate-limit send it.
    set('X-RateLimit-Reset', String(Math.ceil((options.nowMs ?? Date.now()) / 1000) + reset));
  }
  const degradedHeader = options.degradedHeader ?? DEFAULT_DEGRADED_HEADER;
  if (degradedHeader !== false && result.degraded) set(degradedHeader, options.failurePolicy);
  if (!result.allowed) set('Retry-After', String(retryAfter));
  return fields;
}

/**
 * The response headers of one rate-limit decision, the same in every adapter: the IETF
 * `RateLimit` / `RateLimit-Policy` fields in the chosen style (default `draft-8`:
 * `RateLimit-Policy: "<policy>";q=<limit>;w=<window s>`, `RateLimit: "<policy>";r=<remaining>;t=<s>`),
 * optionally `X-RateLimit-*`, `RateLimit-Degraded: <failure policy>` when the failure policy
 * answered instead of Redis, and `Retry-After` (seconds, equal to `t`) on a refusal. Throws a
 * `ConfigError` for a policy name a structured-field String cannot carry.
 *
 * Gotcha: with several limiters on one response, write with {@link setRateLimitHeaders}, which
 * appends to the `draft-8` lists instead of replacing them.
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  options: RateLimitHeaderOptions,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const field of headerFields(result, options)) headers[field.name] = field.value;
  return headers;
}

/**
 * Writes the headers of {@link rateLimitHeaders} onto a response, appending the `draft-8`
 * `RateLimit` and `RateLimit-Policy` items to the lists other limiters already set on it (as the
 * draft intends) and replacing every other field.
 */
export function setRateLimitHeaders(
  target: HeaderTarget,
  result: RateLimitResult,
  options: RateLimitHeaderOptions,
): void {
  for (const field of headerFields(result, options)) {
    const current = field.list ? target.getHeader(field.name) : undefined;
    const existing = Array.isArray(current) ? current.join(', ') : current?.toString();
    target.setHeader(
      field.name,
      existing === undefined || existing === '' ? field.value : `${existing}, ${field.value}`,
    );
  }
}
