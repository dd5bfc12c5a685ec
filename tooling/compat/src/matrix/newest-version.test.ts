import { describe, expect, it } from 'vitest';
import { compareVersions, parseSpec } from './newest-version.js';

describe('compareVersions', () => {
  it('orders releases numerically, not as strings', () => {
    const sorted = ['5.9.3', '5.11.1', '5.10.0', '5.4.0', '4.22.3'].sort(compareVersions);
    expect(sorted).toEqual(['4.22.3', '5.4.0', '5.9.3', '5.10.0', '5.11.1']);
    expect(compareVersions('6.1.0', '6.1.0')).toBe(0);
  });
});

describe('parseSpec', () => {
  it('reads a plain range and an npm alias', () => {
    expect(parseSpec('ioredis', '^5')).toEqual({ registryName: 'ioredis', range: '^5' });
    expect(parseSpec('express4', 'npm:express@^4')).toEqual({
      registryName: 'express',
      range: '^4',
    });
    expect(parseSpec('x', 'npm:@types/express@^5')).toEqual({
      registryName: '@types/express',
      range: '^5',
    });
  });
});
