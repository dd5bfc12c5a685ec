import { describe, expect, it } from 'vitest';
import * as adapter from './index.js';

// A change to this list is a change to the public API: update it on purpose, with a changeset.
describe('@redgrid/express public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(adapter).sort()).toMatchInlineSnapshot(`
      [
        "ConfigError",
        "ExpressRateLimitStore",
        "MissingPeerDependencyError",
        "Secret",
        "createConnection",
        "createHealthReport",
        "createRateLimiter",
        "defineConfig",
        "getRateLimitInfo",
        "healthRouter",
        "ipKey",
        "loadConfigFromEnv",
        "metricsHandler",
        "observeRedGrid",
        "rateLimit",
      ]
    `);
  });
});
