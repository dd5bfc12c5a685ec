import { hashTag, keySlot } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { lockKeyOf } from './redis-lock.js';

describe('lockKeyOf', () => {
  it('keeps the lock in the value key slot, with or without a hash tag', () => {
    for (const valueKey of [
      'cache:user:1',
      'cache:{user:1}:profile',
      'cache:users:{42}',
      'cache:a{b',
      'cache:',
    ]) {
      const lock = lockKeyOf('cache:', valueKey);
      expect(lock.sameSlot, valueKey).toBe(true);
      expect(keySlot(lock.key), valueKey).toBe(keySlot(valueKey));
      expect(lock.key.startsWith('cache:~lock:'), valueKey).toBe(true);
      expect(lock.key, valueKey).not.toBe(valueKey);
    }
  });

  it('gives distinct keys sharing a hash tag distinct locks', () => {
    expect(lockKeyOf('cache:', 'cache:{u}:a').key).not.toBe(lockKeyOf('cache:', 'cache:{u}:b').key);
    expect(lockKeyOf('cache:', 'cache:x').key).not.toBe(lockKeyOf('cache:', 'cache:y').key);
  });

  it('says when a key cannot share its slot (a } but no hash tag)', () => {
    for (const valueKey of ['cache:a}b', 'cache:{}x']) {
      expect(hashTag(valueKey)).toBe(valueKey);
      expect(lockKeyOf('cache:', valueKey)).toEqual({
        key: `cache:~lock:${valueKey}`,
        sameSlot: false,
      });
    }
  });
});
