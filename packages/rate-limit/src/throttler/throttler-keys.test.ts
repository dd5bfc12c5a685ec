import { keySlot } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { throttlerKeys } from './throttler-keys.js';

describe('throttlerKeys', () => {
  it('wraps a plain key in a hash tag, the name before it', () => {
    expect(throttlerKeys('rl:', 'abc', 'default')).toEqual({
      recordKey: 'rl:throttler:{abc}',
      hitsKey: 'rl:throttler:default:{abc}',
    });
  });

  it('keeps the hash tag of a tagged key, with the key length before it', () => {
    expect(throttlerKeys('rl:', '{user:1}:login', 'short')).toEqual({
      recordKey: 'rl:throttler=14={user:1}:login',
      hitsKey: 'rl:throttler:short=14={user:1}:login',
    });
  });

  it('puts both keys of a call in one cluster slot, whatever the key and name hold', () => {
    const keys = ['a', '{t}x', 'a}b', '}{', 'x{}y', '\\}', 'k{name}'];
    const names = ['default', '{other}', 'n:1', ''];
    for (const key of keys) {
      for (const name of names) {
        const { recordKey, hitsKey } = throttlerKeys('p:', key, name);
        expect(keySlot(hitsKey), `${key} / ${name}`).toBe(keySlot(recordKey));
      }
    }
  });

  it('never maps two (key, name) pairs to the same keys', () => {
    const pairs: Array<[string, string]> = [
      ['{a}x:y', 'z'],
      ['{a}x', 'y:z'],
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['a}', 'b'],
      ['a\\)', 'b'],
      ['k', '{'],
      ['k', '\\('],
      ['k', ''],
      ['k', ':'],
    ];
    const hits = new Set(pairs.map(([key, name]) => throttlerKeys('p:', key, name).hitsKey));
    const records = new Set(pairs.map(([key]) => throttlerKeys('p:', key, 'n').recordKey));
    expect(hits.size).toBe(pairs.length);
    expect(records.size).toBe(new Set(pairs.map(([key]) => key)).size);
    // A record key is never a hits key.
    for (const record of records) expect(hits.has(record)).toBe(false);
  });
});
