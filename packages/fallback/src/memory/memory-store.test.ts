import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { WrongTypeError } from '../errors/wrong-type-error.js';
import { estimateSize } from './estimate-size.js';
import { MemoryStore } from './memory-store.js';

const stores: MemoryStore[] = [];
function createStore(options: ConstructorParameters<typeof MemoryStore>[0] = {}) {
  const store = new MemoryStore(options);
  stores.push(store);
  return store;
}

/** A manual clock; starts at 1 because lru-cache treats a start time of 0 as "no TTL". */
function manualClock() {
  let now = 1_000;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

afterEach(() => {
  for (const store of stores.splice(0)) store.dispose();
  vi.useRealTimers();
});

describe('MemoryStore', () => {
  it('stores, reads and deletes values', () => {
    const store = createStore();
    expect(store.set('a', 'one')).toBe(true);
    store.set('b', { nested: [1, 2] });
    expect(store.get('a')).toBe('one');
    expect(store.get('b')).toEqual({ nested: [1, 2] });
    expect(store.has('a')).toBe(true);
    expect(store.delete('a')).toBe(true);
    expect(store.delete('a')).toBe(false);
    expect(store.get('a')).toBeUndefined();
    expect(store.size).toBe(1);
  });

  it('distinguishes a stored undefined from an absent key only through has()', () => {
    const store = createStore();
    store.set('u', undefined);
    expect(store.has('u')).toBe(true);
    expect(store.get('u')).toBeUndefined();
  });

  it('expires entries lazily at their TTL', () => {
    const clock = manualClock();
    const store = createStore({ clock: clock.now, sweepIntervalMs: 0 });
    store.set('k', 'v', { ttlMs: 100 });
    store.set('forever', 'v');
    clock.advance(99);
    expect(store.get('k')).toBe('v');
    expect(store.ttlMs('k')).toBe(1);
    clock.advance(2);
    expect(store.get('k')).toBeUndefined();
    expect(store.ttlMs('k')).toBe(-2);
    expect(store.ttlMs('forever')).toBe(-1);
    expect(store.stats().expirations).toBe(1);
  });

  it('applies defaultTtlMs, and 0 means no expiry', () => {
    const clock = manualClock();
    const store = createStore({
      clock: clock.now,
      defaultTtlMs: 50,
      sweepIntervalMs: 0,
    });
    store.set('default', 1);
    store.set('never', 1, { ttlMs: 0 });
    clock.advance(51);
    expect(store.has('default')).toBe(false);
    expect(store.has('never')).toBe(true);
  });

  it('sweeps expired entries with one unref-ed interval timer, released by dispose', () => {
    vi.useFakeTimers();
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const clock = manualClock();
    const store = createStore({ clock: clock.now, sweepIntervalMs: 1_000 });
    expect(vi.getTimerCount()).toBe(1);
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    const timer = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout | undefined;
    // unref-ed: the sweep never keeps a process alive
    expect(timer?.hasRef()).toBe(false);
    setIntervalSpy.mockRestore();
    for (let index = 0; index < 100; index++) store.set(`k${index}`, index, { ttlMs: 10 });
    // no timer per key
    expect(vi.getTimerCount()).toBe(1);
    clock.advance(20);
    expect(store.size).toBe(100);
    vi.advanceTimersByTime(1_000);
    expect(store.size).toBe(0);
    expect(store.stats().expirations).toBe(100);
    store.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('evicts the least recently used entry when maxEntries is reached', () => {
    const store = createStore({ maxEntries: 3 });
    store.set('a', 1);
    store.set('b', 2);
    store.set('c', 3);
    store.get('a'); // a is now most recently used; b is the oldest
    store.set('d', 4);
    expect(store.keys().sort()).toEqual(['a', 'c', 'd']);
    expect(store.stats().evictions).toBe(1);
  });

  it('peek does not refresh recency', () => {
    const store = createStore({ maxEntries: 2 });
    store.set('a', 1);
    store.set('b', 2);
    expect(store.peek('a')).toBe(1);
    store.set('c', 3);
    expect(store.has('a')).toBe(false);
  });

  it('evicts by estimated bytes and refuses entries larger than maxEntryBytes', () => {
    const store = createStore({ maxBytes: 10_000, maxEntryBytes: 2_000 });
    for (let index = 0; index < 100; index++) store.set(`k${index}`, 'x'.repeat(400));
    expect(store.bytes).toBeLessThanOrEqual(10_000);
    expect(store.size).toBeLessThan(100);
    store.set('big', 'small first');
    expect(store.set('big', 'y'.repeat(5_000))).toBe(false);
    expect(store.has('big')).toBe(false);
    expect(store.stats().rejections).toBe(1);
  });

  it('uses sizeBytes when given instead of estimating', () => {
    const sizeOf = vi.fn(() => 10);
    const store = createStore({ sizeOf });
    store.set('a', 'value', { sizeBytes: 123 });
    expect(sizeOf).not.toHaveBeenCalled();
    expect(store.bytes).toBe(123);
    store.set('b', 'value');
    expect(sizeOf).toHaveBeenCalledOnce();
    expect(store.bytes).toBe(133);
  });

  it('increments like INCRBY: creates with TTL, keeps TTL after, accepts numeric strings', () => {
    const clock = manualClock();
    const store = createStore({ clock: clock.now, sweepIntervalMs: 0 });
    expect(store.increment('n', { ttlMs: 1_000 })).toBe(1);
    clock.advance(400);
    expect(store.increment('n', { by: 5, ttlMs: 99_999 })).toBe(6);
    expect(store.ttlMs('n')).toBe(600);
    store.set('s', '41');
    expect(store.increment('s')).toBe(42);
    expect(store.increment('s', { by: -2 })).toBe(40);
    clock.advance(601);
    expect(store.increment('n')).toBe(1);
  });

  it('refuses to increment a value that is not a number', () => {
    const store = createStore();
    store.set('o', { a: 1 });
    store.set('t', 'text');
    expect(() => store.increment('o')).toThrow(WrongTypeError);
    expect(() => store.increment('t')).toThrow(/not a number/);
  });

  it('expire changes the TTL of an existing key only', () => {
    const clock = manualClock();
    const store = createStore({ clock: clock.now, sweepIntervalMs: 0 });
    store.set('k', 'v', { sizeBytes: 77 });
    expect(store.expire('k', 100)).toBe(true);
    expect(store.ttlMs('k')).toBe(100);
    expect(store.bytes).toBe(77);
    expect(store.expire('missing', 100)).toBe(false);
    expect(store.expire('k', 0)).toBe(true);
    expect(store.ttlMs('k')).toBe(-1);
  });

  it('deletes by prefix and clears', () => {
    const store = createStore();
    for (const key of ['user:1', 'user:2', 'order:1']) store.set(key, key);
    expect(store.deleteByPrefix('user:')).toBe(2);
    expect(store.keys()).toEqual(['order:1']);
    store.clear();
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  it('rejects invalid options and TTLs with InvalidArgumentError naming the argument', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(/options\.maxEntries/);
    expect(() => new MemoryStore({ maxBytes: 10, maxEntryBytes: 20 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new MemoryStore({ sweepIntervalMs: -1 })).toThrow(/sweepIntervalMs/);
    const store = createStore();
    expect(() => store.set('k', 1, { ttlMs: -5 })).toThrow(/options\.ttlMs/);
    expect(() => store.increment('k', { by: Number.NaN })).toThrow(/options\.by/);
  });

  it('stays within maxEntries and maxBytes while 200k distinct keys (4x maxEntries) are written', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const maxBytes = 8 * 1024 * 1024;
    const store = createStore({
      maxEntries: 50_000,
      maxBytes,
      sweepIntervalMs: 0,
    });
    let largestBytes = 0;
    let largestSize = 0;
    const written = 200_000;
    for (let index = 0; index < written; index++) {
      store.set(`key:${index}`, { id: index, name: `value number ${index}` }, { ttlMs: 60_000 });
      if (index % 1_000 === 0) {
        largestBytes = Math.max(largestBytes, store.bytes);
        largestSize = Math.max(largestSize, store.size);
      }
    }
    expect(largestBytes).toBeLessThanOrEqual(maxBytes);
    expect(store.bytes).toBeLessThanOrEqual(maxBytes);
    expect(largestSize).toBeLessThanOrEqual(50_000);
    // Every write past the bounds evicted one entry: nothing else left the store.
    expect(store.stats().evictions).toBe(written - store.size);
    expect(store.stats().evictions).toBeGreaterThanOrEqual(150_000);
    expect(store.get(`key:${written - 1}`)).toEqual({
      id: written - 1,
      name: `value number ${written - 1}`,
    });
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    // The estimate is conservative, so the real heap held is below the byte bound, plus the
    // fixed arrays lru-cache preallocates for maxEntries.
    expect(heapGrowth).toBeLessThan(maxBytes + 16 * 1024 * 1024);
  });
});

describe('estimateSize', () => {
  it('grows with the key and value and is conservative for strings', () => {
    expect(estimateSize('abcd', 'k')).toBeGreaterThan(estimateSize('a', 'k'));
    expect(estimateSize('a', 'longer key')).toBeGreaterThan(estimateSize('a', 'k'));
    expect(estimateSize('x'.repeat(1_000), 'k')).toBeGreaterThanOrEqual(2_000);
    expect(estimateSize(Buffer.alloc(5_000), 'k')).toBeGreaterThanOrEqual(5_000);
    expect(
      estimateSize(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
        'k',
      ),
    ).toBeGreaterThan(estimateSize(new Map(), 'k'));
    expect(estimateSize(new Set([1, 2, 3]), 'k')).toBeGreaterThan(estimateSize(new Set(), 'k'));
    expect(estimateSize(10n ** 40n, 'k')).toBeGreaterThan(estimateSize(1n, 'k'));
  });

  it('terminates on cyclic and very large values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(estimateSize(cyclic, 'k')).toBeGreaterThan(0);
    const wide = Array.from({ length: 100_000 }, (_, index) => index);
    expect(estimateSize(wide, 'k')).toBeGreaterThan(100_000 * 8);
  });
});
