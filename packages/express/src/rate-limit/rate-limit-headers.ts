import { ConfigError } from '@redgrid/core';

/**
 * Which IETF RateLimit header fields to send:
 * - `draft-8`: the structured-field form of draft-ietf-httpapi-ratelimit-headers-08 and every
 *   later draft up to the current one (-11 at the time of writing; the fields did not change):
 *   `RateLimit-Policy: "default";q=100;w=60` and `RateLimit: "default";r=42;t=17`. Several
 *   limiters on one route append items to the same lists.
 * - `draft-7`: `RateLimit-Policy: 100;w=60` and `RateLimit: limit=100, remaining=42, reset=17`.
 * - `draft-6`: `RateLimit-Policy: 100;w=60`, `RateLimit-Limit`, `RateLimit-Remaining`,
 *   `RateLimit-Reset`.
 * The names follow express-rate-limit's `standardHeaders`, so a migration keeps the setting.
 */
export type RateLimitHeaderStyle = 'draft-8' | 'draft-7' | 'draft-6';

/** What the headers of one decision are made of. */
export interface HeaderFigures {
  /** Policy name (`draft-8` only). */
  policy: string;
  limit: number;
  windowMs: number;
  remaining: number;
  /** Seconds until more quota is available, already rounded up. */
  resetSeconds: number;
}

/** The subset of an Express response the headers need (Express 4 and 5 alike). */
export interface HeaderTarget {
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
}

/**
 * Serializes a policy name as a Structured Field String (RFC 9651 section 3.3.3). Throws a
 * `ConfigError` for characters a String cannot carry (control characters, non-ASCII).
 */
export function serializePolicyName(name: string): string {
  if (!/^[\x20-\x7e]*$/.test(name)) {
    throw new ConfigError([
      {
        variable: 'options.policy',
        message: `must be printable ASCII (it is sent as a structured-field String), got ${JSON.stringify(name)}`,
      },
    ]);
  }
  return `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Appends one member to a List field, keeping members other middleware already set. */
function appendListMember(target: HeaderTarget, name: string, member: string): void {
  const current = target.getHeader(name);
  if (current === undefined || current === '') {
    target.setHeader(name, member);
  } else {
    const existing = Array.isArray(current) ? current.join(', ') : String(current);
    target.setHeader(name, `${existing}, ${member}`);
  }
}

/** Window in whole seconds, at least 1 (the drafts forbid `w=0` and have no sub-second unit). */
export function windowSeconds(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / 1000));
}

/**
 * Sets the standard header fields of one decision in the given style. `serializedPolicy` is the
 * result of {@link serializePolicyName}, computed once per middleware.
 */
export function setStandardHeaders(
  target: HeaderTarget,
  style: RateLimitHeaderStyle,
  figures: HeaderFigures,
  serializedPolicy: string,
): void {
  const window = windowSeconds(figures.windowMs);
  switch (style) {
    case 'draft-8':
      appendListMember(
        target,
        'RateLimit-Policy',
        `${serializedPolicy};q=${figures.limit};w=${window}`,
      );
      appendListMember(
        target,
        'RateLimit',
        `${serializedPolicy};r=${figures.remaining};t=${figures.resetSeconds}`,
      );
      return;
    case 'draft-7':
      target.setHeader('RateLimit-Policy', `${figures.limit};w=${window}`);
      target.setHeader(
        'RateLimit',
        `limit=${figures.limit}, remaining=${figures.remaining}, reset=${figures.resetSeconds}`,
      );
      return;
    case 'draft-6':
      target.setHeader('RateLimit-Policy', `${figures.limit};w=${window}`);
      target.setHeader('RateLimit-Limit', String(figures.limit));
      target.setHeader('RateLimit-Remaining', String(figures.remaining));
      target.setHeader('RateLimit-Reset', String(figures.resetSeconds));
      return;
  }
}

/**
 * Sets the pre-standard `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
 * (Unix time in seconds, as GitHub and express-rate-limit send it).
 */
export function setLegacyHeaders(
  target: HeaderTarget,
  figures: HeaderFigures,
  nowMs: number,
): void {
  target.setHeader('X-RateLimit-Limit', String(figures.limit));
  target.setHeader('X-RateLimit-Remaining', String(figures.remaining));
  target.setHeader('X-RateLimit-Reset', String(Math.ceil(nowMs / 1000) + figures.resetSeconds));
}
