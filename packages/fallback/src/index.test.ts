import { describe, expect, it } from 'vitest';
import * as fallback from './index.js';

// A change to this list is a change to the public API: update it on purpose, with a changeset.
describe('@redgrid/fallback public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(fallback).sort()).toEqual([
      'DegradationTracker',
      'ENTRY_OVERHEAD_BYTES',
      'InvalidArgumentError',
      'MemoryStore',
      'ResilientStore',
      'WrongTypeError',
      'defineScript',
      'deleteByPrefix',
      'estimateSize',
      'evaluateScript',
      'isRedisUnavailable',
      'isStoreFailure',
      'luaScript',
      'scriptSha1',
      'versionKey',
    ]);
  });
});
