import 'reflect-metadata';
import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { RateLimit } from './rate-limit-decorator.js';

describe('@RateLimit()', () => {
  it('rejects, when the class is defined, a name that cannot be sent in a header', () => {
    expect(() => RateLimit({ limit: 1, windowMs: 1000, name: 'tâches' })).toThrow(ConfigError);
    expect(() => RateLimit({ limit: 1, windowMs: 1000, name: 'tâches' })).toThrow(/options\.name/);
    expect(typeof RateLimit({ limit: 1, windowMs: 1000, name: 'tasks "create"' })).toBe('function');
  });
});
