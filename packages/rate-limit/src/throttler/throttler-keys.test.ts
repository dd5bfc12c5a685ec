import { keySlot } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { throttlerKeys } from './throttler-keys.js';

describe('throttlerKeys', () => {
  it('wraps a plain key in a hash tag and keeps the name after it', () => {
    expect(throttlerKeys('rl:', 'abc', 'default')).toEqual({
      recordKey: 'rl:th:{abc}',
      hitsKey: 'rl:th-hits:{abc}:default',
    });
  });

  it('keeps the hash tag of a tagged key, with the key length before it', () => {
    expect(throttlerKeys('rl:', '{user:1}:login', 'short')).toEqual({
      recordKey: 'rl:th=14={user:1}:login',
      hitsKey: 'rl:th-hits=14={user:1}:login:short',
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
    ];
    const hits = new Set(pairs.map(([key, name]) => throttlerKeys('p:', key, name).hitsKey));
    const records = new Set(pairs.map(([key]) => throttlerKeys('p:', key, 'n').recordKey));
    expect(hits.size).toBe(pairs.length);
    expect(records.size).toBe(new Set(pairs.map(([key]) => key)).size);
  });
});
