import { describe, expect, it } from 'vitest';
import { deriveState, type StateInputs } from './connection-state.js';

const healthy: StateInputs = {
  closed: false,
  fatal: false,
  clientStatus: 'ready',
  breaker: 'closed',
  healthCheckFailing: false,
  clusterState: undefined,
};

describe('deriveState', () => {
  it('is ready when connected, closed breaker, passing checks', () => {
    expect(deriveState(healthy)).toBe('ready');
    expect(deriveState({ ...healthy, clusterState: 'ok' })).toBe('ready');
  });

  it('is degraded while serving with a half-open breaker, a failing check or a bad cluster', () => {
    expect(deriveState({ ...healthy, breaker: 'half-open' })).toBe('degraded');
    expect(deriveState({ ...healthy, healthCheckFailing: true })).toBe('degraded');
    expect(deriveState({ ...healthy, clusterState: 'fail' })).toBe('degraded');
  });

  it('is down when the breaker is open, the credentials were refused or ioredis gave up', () => {
    expect(deriveState({ ...healthy, breaker: 'open' })).toBe('down');
    expect(deriveState({ ...healthy, clientStatus: 'reconnecting', breaker: 'open' })).toBe('down');
    expect(deriveState({ ...healthy, fatal: true })).toBe('down');
    expect(deriveState({ ...healthy, clientStatus: 'end' })).toBe('down');
  });

  it('follows the client while it connects or reconnects', () => {
    for (const status of ['wait', 'connecting', 'connect']) {
      expect(deriveState({ ...healthy, clientStatus: status })).toBe('connecting');
    }
    for (const status of ['reconnecting', 'close']) {
      expect(deriveState({ ...healthy, clientStatus: status })).toBe('reconnecting');
    }
  });

  it('is closed once closed, whatever else', () => {
    expect(deriveState({ ...healthy, closed: true, breaker: 'open', fatal: true })).toBe('closed');
  });
});
