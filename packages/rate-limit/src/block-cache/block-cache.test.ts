import { describe, expect, it, vi } from 'vitest';
import { BlockCache } from './block-cache.js';

describe('BlockCache', () => {
  it('answers a rejection until its retry time, then forgets it', () => {
    let now = 1_000;
    const cache = new BlockCache(10, () => now);
    cache.add('k', 1, 5, 1_000, 3_000);
    expect(cache.get('k', 1)).toEqual({
      limit: 5,
      retryAfterMs: 1_000,
      resetMs: 3_000,
    });
    now += 600;
    expect(cache.get('k', 1)).toEqual({
      limit: 5,
      retryAfterMs: 400,
      resetMs: 2_400,
    });
    now += 400;
    expect(cache.get('k', 1)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.hits).toBe(2);
  });

  it('answers only costs at least as large as the rejected one', () => {
    const now = 1_000;
    const cache = new BlockCache(10, () => now);
    cache.add('k', 3, 5, 1_000, 1_000);
    expect(cache.get('k', 2)).toBeUndefined();
    const rejection = { limit: 5, retryAfterMs: 1_000, resetMs: 1_000 };
    expect(cache.get('k', 3)).toEqual(rejection);
    expect(cache.get('k', 4)).toEqual(rejection);
    cache.add('k', 1, 5, 500, 500);
    expect(cache.get('k', 1)).toEqual({ limit: 5, retryAfterMs: 500, resetMs: 500 });
  });

  it('is bounded: the oldest entry goes first, and no timer is ever set', () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const now = 1_000;
    const cache = new BlockCache(3, () => now);
    for (const key of ['a', 'b', 'c', 'd']) cache.add(key, 1, 1, 60_000, 60_000);
    expect(cache.size).toBe(3);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('d', 1)).toEqual({ limit: 1, retryAfterMs: 60_000, resetMs: 60_000 });
    cache.delete('d');
    expect(cache.get('d', 1)).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    setTimeoutSpy.mockRestore();
  });

  it('ignores a rejection without a retry time', () => {
    const cache = new BlockCache(3, () => 1_000);
    cache.add('k', 1, 1, 0, 0);
    expect(cache.size).toBe(0);
  });
});
