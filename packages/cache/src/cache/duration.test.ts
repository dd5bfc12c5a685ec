import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { durationIssues, durationMs } from './duration.js';

describe('durations in ms, with the deprecated seconds twins', () => {
  it('takes ms as given and converts the deprecated seconds', () => {
    expect(durationMs(1_500, undefined, 7, 'ttlMs', 'ttlSeconds')).toBe(1_500);
    expect(durationMs(undefined, 1.5, 7, 'ttlMs', 'ttlSeconds')).toBe(1_500);
    expect(durationMs(undefined, 0, 7, 'ttlMs', 'ttlSeconds')).toBe(0);
    expect(durationMs(undefined, undefined, 7, 'ttlMs', 'ttlSeconds')).toBe(7);
  });

  it('refuses both names at once and invalid numbers, naming the option', () => {
    expect(() => durationMs(1_000, 1, 0, 'options.ttlMs', 'options.ttlSeconds')).toThrow(
      ConfigError,
    );
    expect(durationIssues(-1, Number.NaN, 'graceMs', 'graceSeconds')).toEqual([
      { variable: 'graceMs', message: 'must be a finite number of ms >= 0, got -1' },
      { variable: 'graceSeconds', message: 'must be a finite number of seconds >= 0, got NaN' },
      {
        variable: 'graceSeconds',
        message: 'give graceMs or the deprecated graceSeconds, not both',
      },
    ]);
  });
});
