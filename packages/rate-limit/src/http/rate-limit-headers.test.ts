import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import type { RateLimitResult } from '../index.js';
import {
  type RateLimitHeaderOptions,
  rateLimitHeaderIssues,
  rateLimitHeaders,
  retryAfterSeconds,
  setRateLimitHeaders,
} from './rate-limit-headers.js';

/** A response's header map with Node's `setHeader` / `getHeader` (names case-insensitive). */
class Headers {
  readonly values = new Map<string, string>();
  setHeader(name: string, value: string) {
    this.values.set(name.toLowerCase(), value);
  }
  getHeader(name: string) {
    return this.values.get(name.toLowerCase());
  }
}

const allowed: RateLimitResult = {
  allowed: true,
  limit: 100,
  remaining: 42,
  resetMs: 16_200,
  retryAfterMs: 0,
  degraded: false,
};
const refused: RateLimitResult = {
  ...allowed,
  allowed: false,
  remaining: 0,
  retryAfterMs: 2_100,
};
const options: RateLimitHeaderOptions = {
  policy: 'default',
  windowMs: 60_000,
  failurePolicy: 'memory',
};

describe('rateLimitHeaders', () => {
  it('draft-8 (the default) uses structured-field items', () => {
    expect(rateLimitHeaders(allowed, options)).toEqual({
      'RateLimit-Policy': '"default";q=100;w=60',
      RateLimit: '"default";r=42;t=17',
    });
  });

  it('draft-7 uses the combined field', () => {
    expect(rateLimitHeaders(allowed, { ...options, standardHeaders: 'draft-7' })).toEqual({
      'RateLimit-Policy': '100;w=60',
      RateLimit: 'limit=100, remaining=42, reset=17',
    });
  });

  it('draft-6 uses separate fields', () => {
    expect(rateLimitHeaders(allowed, { ...options, standardHeaders: 'draft-6' })).toEqual({
      'RateLimit-Policy': '100;w=60',
      'RateLimit-Limit': '100',
      'RateLimit-Remaining': '42',
      'RateLimit-Reset': '17',
    });
  });

  it('legacy headers give the reset as a Unix time, with or without standard ones', () => {
    expect(
      rateLimitHeaders(allowed, {
        ...options,
        standardHeaders: false,
        legacyHeaders: true,
        nowMs: 1_700_000_000_000,
      }),
    ).toEqual({
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '42',
      'X-RateLimit-Reset': String(1_700_000_000 + 17),
    });
  });

  it('adds Retry-After to a refusal, equal to t and at least 1 s', () => {
    expect(rateLimitHeaders(refused, options)).toEqual({
      'RateLimit-Policy': '"default";q=100;w=60',
      RateLimit: '"default";r=0;t=3',
      'Retry-After': '3',
    });
    const soon = rateLimitHeaders({ ...refused, retryAfterMs: 200 }, options);
    expect(soon['Retry-After']).toBe('1');
    expect(soon.RateLimit).toBe('"default";r=0;t=1');
    expect(retryAfterSeconds({ retryAfterMs: 0 })).toBe(1);
  });

  it('names the failure policy that answered, under a configurable header', () => {
    const degraded = { ...allowed, degraded: true };
    expect(rateLimitHeaders(degraded, options)['RateLimit-Degraded']).toBe('memory');
    expect(
      rateLimitHeaders(degraded, {
        ...options,
        failurePolicy: 'open',
        degradedHeader: 'X-Degraded',
      })['X-Degraded'],
    ).toBe('open');
    expect(Object.keys(rateLimitHeaders(degraded, { ...options, degradedHeader: false }))).toEqual([
      'RateLimit-Policy',
      'RateLimit',
    ]);
  });

  it('rounds sub-second windows up to one second (w=0 is not allowed)', () => {
    expect(rateLimitHeaders(allowed, { ...options, windowMs: 250 })['RateLimit-Policy']).toBe(
      '"default";q=100;w=1',
    );
  });

  it('escapes policy names as structured-field strings and rejects non-ASCII', () => {
    expect(rateLimitHeaders(allowed, { ...options, policy: 'a "quoted" \\ name' }).RateLimit).toBe(
      '"a \\"quoted\\" \\\\ name";r=42;t=17',
    );
    expect(() => rateLimitHeaders(allowed, { ...options, policy: 'café' })).toThrow(ConfigError);
  });
});

describe('setRateLimitHeaders', () => {
  it('appends a second draft-8 policy to the lists and replaces the other fields', () => {
    const headers = new Headers();
    setRateLimitHeaders(headers, refused, options);
    setRateLimitHeaders(
      headers,
      { ...allowed, limit: 1000, remaining: 900, resetMs: 1_200_000 },
      { ...options, policy: 'hourly', windowMs: 3_600_000 },
    );
    expect(headers.getHeader('RateLimit-Policy')).toBe(
      '"default";q=100;w=60, "hourly";q=1000;w=3600',
    );
    expect(headers.getHeader('RateLimit')).toBe('"default";r=0;t=3, "hourly";r=900;t=1200');
    expect(headers.getHeader('Retry-After')).toBe('3');
  });

  it('replaces draft-7 fields (they are not lists of policies)', () => {
    const headers = new Headers();
    setRateLimitHeaders(headers, allowed, { ...options, standardHeaders: 'draft-7' });
    setRateLimitHeaders(
      headers,
      { ...allowed, remaining: 41 },
      {
        ...options,
        standardHeaders: 'draft-7',
      },
    );
    expect(headers.getHeader('RateLimit')).toBe('limit=100, remaining=41, reset=17');
  });
});

describe('rateLimitHeaderIssues', () => {
  it('lists every invalid header option', () => {
    expect(
      rateLimitHeaderIssues({
        policy: 'tâches',
        // @ts-expect-error: an invalid style from untyped configuration
        standardHeaders: 'draft-9',
        degradedHeader: 'bad header',
      }).map((issue) => issue.variable),
    ).toEqual(['options.standardHeaders', 'options.degradedHeader', 'options.policy']);
    expect(rateLimitHeaderIssues({ policy: 'default' })).toEqual([]);
  });
});
