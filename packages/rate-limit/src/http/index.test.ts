import { describe, expect, it } from 'vitest';
import * as http from './index.js';

// A change to this list is a change to the public API of `@redgrid/rate-limit/http`.
describe('@redgrid/rate-limit/http public API', () => {
  it('exports exactly these values (types are checked by the compiler)', () => {
    expect(Object.keys(http).sort()).toEqual([
      'DEFAULT_IPV6_SUBNET',
      'clientAddressKey',
      'clientAddressKeyIssues',
      'rateLimitHeaderIssues',
      'rateLimitHeaders',
      'retryAfterSeconds',
      'setRateLimitHeaders',
    ]);
  });
});
