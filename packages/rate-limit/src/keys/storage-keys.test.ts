import { keySlot } from '@redgrid/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_ALGORITHMS } from '../algorithm/rate-limit-algorithm.js';
import { hashTagOf } from './hash-tag.js';
import { storageKeys } from './storage-keys.js';

describe('hashTagOf', () => {
  it('follows the Redis Cluster rule', () => {
    expect(hashTagOf('{user:1}:hour')).toBe('user:1');
    expect(hashTagOf('a{b}c{d}')).toBe('b');
    expect(hashTagOf('{}x')).toBeUndefined();
    expect(hashTagOf('a{b')).toBeUndefined();
    expect(hashTagOf('plain')).toBeUndefined();
  });
});

describe('storageKeys', () => {
  it('wraps an untagged key and keeps a tagged one', () => {
    expect(storageKeys('rl:', 'fixed-window', 'api:login')).toEqual({
      stateKey: 'rl:fw:{api:login}',
      blockKey: 'rl:fw-block:{api:login}',
      tag: 'api:login',
    });
    expect(storageKeys('rl:', 'gcra', '{user:1}:hour')).toEqual({
      stateKey: 'rl:gcra={user:1}:hour',
      blockKey: 'rl:gcra-block={user:1}:hour',
      tag: 'user:1',
    });
  });

  it('keeps state and block in one slot, with the reported tag, whatever the key', () => {
    fc.assert(
      fc.property(
        fc.string({
          minLength: 1,
          maxLength: 12,
          unit: fc.constantFrom('a', '{', '}', '\\', ':', 'é'),
        }),
        fc.constantFrom(...RATE_LIMIT_ALGORITHMS),
        (key, algorithm) => {
          const keys = storageKeys('rl:', algorithm, key);
          expect(hashTagOf(keys.stateKey)).toBe(keys.tag);
          expect(hashTagOf(keys.blockKey)).toBe(keys.tag);
          expect(keySlot(keys.blockKey)).toBe(keySlot(keys.stateKey));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never maps two user keys, or a state and a block, to the same Redis key', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.string({
            minLength: 1,
            maxLength: 8,
            unit: fc.constantFrom('a', '{', '}', '\\', ')', '='),
          }),
          { minLength: 2, maxLength: 20 },
        ),
        (keys) => {
          const all = keys.flatMap((key) => {
            const { stateKey, blockKey } = storageKeys('rl:', 'fixed-window', key);
            return [stateKey, blockKey];
          });
          expect(new Set(all).size).toBe(all.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
