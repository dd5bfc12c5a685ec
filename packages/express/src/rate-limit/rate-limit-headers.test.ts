import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import {
  type HeaderFigures,
  serializePolicyName,
  setLegacyHeaders,
  setStandardHeaders,
} from './rate-limit-headers.js';

class Headers {
  readonly values = new Map<string, string | number | readonly string[]>();
  setHeader(name: string, value: string | number | readonly string[]) {
    this.values.set(name.toLowerCase(), value);
  }
  getHeader(name: string) {
    const value = this.values.get(name.toLowerCase());
    return Array.isArray(value) ? [...value] : (value as string | number | undefined);
  }
}

const figures: HeaderFigures = {
  policy: 'default',
  limit: 100,
  windowMs: 60_000,
  remaining: 42,
  resetSeconds: 17,
};

describe('RateLimit headers', () => {
  it('draft-8 (current draft) uses structured-field lists', () => {
    const headers = new Headers();
    setStandardHeaders(headers, 'draft-8', figures, serializePolicyName('default'));
    expect(headers.getHeader('RateLimit-Policy')).toBe('"default";q=100;w=60');
    expect(headers.getHeader('RateLimit')).toBe('"default";r=42;t=17');
  });

  it('draft-8 appends a second policy to the lists', () => {
    const headers = new Headers();
    setStandardHeaders(headers, 'draft-8', figures, serializePolicyName('default'));
    setStandardHeaders(
      headers,
      'draft-8',
      { ...figures, limit: 1000, windowMs: 3_600_000, remaining: 900, resetSeconds: 1200 },
      serializePolicyName('hourly'),
    );
    expect(headers.getHeader('RateLimit-Policy')).toBe(
      '"default";q=100;w=60, "hourly";q=1000;w=3600',
    );
    expect(headers.getHeader('RateLimit')).toBe('"default";r=42;t=17, "hourly";r=900;t=1200');
  });

  it('draft-7 uses the combined field', () => {
    const headers = new Headers();
    setStandardHeaders(headers, 'draft-7', figures, '"default"');
    expect(headers.getHeader('RateLimit')).toBe('limit=100, remaining=42, reset=17');
    expect(headers.getHeader('RateLimit-Policy')).toBe('100;w=60');
  });

  it('draft-6 uses separate fields', () => {
    const headers = new Headers();
    setStandardHeaders(headers, 'draft-6', figures, '"default"');
    expect(headers.getHeader('RateLimit-Limit')).toBe('100');
    expect(headers.getHeader('RateLimit-Remaining')).toBe('42');
    expect(headers.getHeader('RateLimit-Reset')).toBe('17');
    expect(headers.getHeader('RateLimit-Policy')).toBe('100;w=60');
  });

  it('rounds sub-second windows up to one second (w=0 is not allowed)', () => {
    const headers = new Headers();
    setStandardHeaders(headers, 'draft-8', { ...figures, windowMs: 250 }, '"default"');
    expect(headers.getHeader('RateLimit-Policy')).toBe('"default";q=100;w=1');
  });

  it('legacy headers give the reset as a Unix time', () => {
    const headers = new Headers();
    setLegacyHeaders(headers, figures, 1_700_000_000_000);
    expect(headers.getHeader('X-RateLimit-Limit')).toBe('100');
    expect(headers.getHeader('X-RateLimit-Remaining')).toBe('42');
    expect(headers.getHeader('X-RateLimit-Reset')).toBe(String(1_700_000_000 + 17));
  });

  it('escapes policy names as structured-field strings and rejects non-ASCII', () => {
    expect(serializePolicyName('a "quoted" \\ name')).toBe('"a \\"quoted\\" \\\\ name"');
    expect(() => serializePolicyName('café')).toThrow(ConfigError);
  });
});
