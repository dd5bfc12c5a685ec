import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public API', () => {
  it('exports exactly these runtime values (a change here is a change for users)', () => {
    expect(Object.keys(api).sort()).toEqual([
      'createConnection',
      'createHealthReport',
      'isAuthFailure',
      'isConnectionFailure',
      'isLfuPolicy',
      'isReadOnlyCommand',
      'isWriteCommand',
      'latencyBoundariesMs',
      'parseInfo',
      'readNodeMemory',
    ]);
  });
});
