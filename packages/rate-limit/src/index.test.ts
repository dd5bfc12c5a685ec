import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public API', () => {
  it('exports exactly these values (types are checked by the compiler)', () => {
    expect(Object.keys(api).sort()).toEqual([
      'RATE_LIMIT_ALGORITHMS',
      'RateLimitScriptError',
      'createRateLimiter',
      'createThrottlerCounter',
      'isStoreFailure',
    ]);
    expect(api.RATE_LIMIT_ALGORITHMS).toEqual([
      'fixed-window',
      'sliding-window',
      'sliding-log',
      'token-bucket',
      'gcra',
    ]);
  });
});
