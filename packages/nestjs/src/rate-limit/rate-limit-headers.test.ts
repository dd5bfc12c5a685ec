import type { RateLimitResult } from '@redgrid/rate-limit';
import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from './rate-limit-headers.js';

const allowed: RateLimitResult = {
  allowed: true,
  limit: 10,
  remaining: 7,
  resetMs: 41_200,
  retryAfterMs: 0,
  degraded: false,
};

describe('rateLimitHeaders', () => {
  it('describes an allowed request', () => {
    expect(
      rateLimitHeaders(allowed, { policy: 'tasks', windowMs: 60_000, failurePolicy: 'memory' }),
    ).toEqual({
      'RateLimit-Policy': '"tasks";q=10;w=60',
      RateLimit: '"tasks";r=7;t=42',
    });
  });

  it('adds Retry-After (at least 1 s, equal to t) to a refusal and names the policy that answered', () => {
    const headers = rateLimitHeaders(
      { ...allowed, allowed: false, remaining: 0, retryAfterMs: 200, degraded: true },
      { policy: 'say "hi"', windowMs: 400, failurePolicy: 'memory' },
    );
    expect(headers).toEqual({
      'RateLimit-Policy': '"say \\"hi\\"";q=10;w=1',
      RateLimit: '"say \\"hi\\"";r=0;t=1',
      'Retry-After': '1',
      'RateLimit-Degraded': 'memory',
    });
  });
});
