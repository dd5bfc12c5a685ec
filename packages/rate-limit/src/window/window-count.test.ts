import { MemoryStore } from '@redgrid/fallback';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryWindowDecrement, memoryWindowGet, parseWindowReply } from './window-count.js';

// The memory twins of the two window scripts, over the state shape MemoryCheckEngine writes for
// fixed-window ({ used, endsAt }). That they agree with Redis is checked against real servers
// in window-count.int.test.ts and by the express-rate-limit contract test.
const stores: MemoryStore[] = [];
function store(): MemoryStore {
  const created = new MemoryStore({ maxEntries: 100 });
  stores.push(created);
  return created;
}

afterEach(() => {
  for (const created of stores.splice(0)) created.dispose();
});

describe('memoryWindowGet', () => {
  it('is undefined without a window, or once it ended', () => {
    const memory = store();
    expect(memoryWindowGet(memory, 'k', 1_000)).toBeUndefined();
    memory.set('k', { used: 2, endsAt: 1_500 });
    expect(memoryWindowGet(memory, 'k', 1_000)).toEqual({ used: 2, resetMs: 500 });
    expect(memoryWindowGet(memory, 'k', 1_500)).toBeUndefined();
  });

  it('ignores a value of another shape', () => {
    const memory = store();
    memory.set('k', 'text');
    expect(memoryWindowGet(memory, 'k', 0)).toBeUndefined();
  });
});

describe('memoryWindowDecrement', () => {
  it('takes units back, never below zero, keeping the window end', () => {
    const memory = store();
    memory.set('k', { used: 3, endsAt: 2_000 });
    expect(memoryWindowDecrement(memory, 'k', 60_000, 2, 1_000)).toEqual({
      used: 1,
      resetMs: 1_000,
    });
    expect(memoryWindowDecrement(memory, 'k', 60_000, 5, 1_000)).toEqual({
      used: 0,
      resetMs: 1_000,
    });
    expect(memory.get('k')).toEqual({ used: 0, endsAt: 2_000 });
  });

  it('opens a window at 0 on a key without one', () => {
    const memory = store();
    expect(memoryWindowDecrement(memory, 'k', 30_000, 1, 1_000)).toEqual({
      used: 0,
      resetMs: 30_000,
    });
    expect(memoryWindowGet(memory, 'k', 11_000)).toEqual({ used: 0, resetMs: 20_000 });
  });
});

describe('parseWindowReply', () => {
  it('reads nil, a pair, and a negative TTL as unknown', () => {
    expect(parseWindowReply(null)).toBeUndefined();
    expect(parseWindowReply([4, 1_200])).toEqual({ used: 4, resetMs: 1_200 });
    expect(parseWindowReply([4, -1])).toEqual({ used: 4, resetMs: 0 });
  });
});
