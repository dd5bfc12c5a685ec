import { describe, expect, it } from 'vitest';
import * as core from './index.js';

// A change to this list is a change to the public API: update it on purpose, with a changeset.
describe('@redgrid/core public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(core).sort()).toEqual([
      'AuthError',
      'CircuitBreaker',
      'CircuitOpenError',
      'CommandRetriesExhaustedError',
      'CommandTimeoutError',
      'ConfigError',
      'ConnectionClosedError',
      'CrossSlotError',
      'HashRing',
      'RedGridError',
      'Secret',
      'TypedEmitter',
      'WriteNotConfirmedError',
      'defineConfig',
      'exponentialBackoff',
      'hashTag',
      'jumpHash',
      'keySlot',
      'loadConfigFromEnv',
      'publish',
      'redact',
      'redgridChannel',
      'redgridChannelNames',
      'redisConfigSchema',
    ]);
  });
});
