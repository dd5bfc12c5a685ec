import { describe, expect, it } from 'vitest';
import { type DeadlineEntry, DeadlineList } from './deadline-list.js';

class Entry implements DeadlineEntry<Entry> {
  prev: Entry | undefined;
  next: Entry | undefined;
  listed = false;
  constructor(
    readonly id: string,
    public deadlineMs: number,
  ) {}
}

function expireAll(list: DeadlineList<Entry>, nowMs: number): string[] {
  const ids: string[] = [];
  list.expire(nowMs, (entry) => ids.push(entry.id));
  return ids;
}

describe('DeadlineList', () => {
  it('expires entries in deadline order, only those due', () => {
    const list = new DeadlineList<Entry>();
    list.insert(new Entry('a', 10));
    list.insert(new Entry('b', 20));
    list.insert(new Entry('c', 30));
    expect(expireAll(list, 5)).toEqual([]);
    expect(expireAll(list, 20)).toEqual(['a', 'b']);
    expect(list.size).toBe(1);
    expect(expireAll(list, 100)).toEqual(['c']);
    expect(list.size).toBe(0);
  });

  it('orders out-of-order inserts (longer deadlines of blocking commands)', () => {
    const list = new DeadlineList<Entry>();
    list.insert(new Entry('late', 50));
    list.insert(new Entry('a', 10));
    list.insert(new Entry('b', 20));
    list.insert(new Entry('tie', 20));
    list.insert(new Entry('first', 1));
    expect(expireAll(list, 1000)).toEqual(['first', 'a', 'b', 'tie', 'late']);
  });

  it('removes entries from the head, the middle and the tail', () => {
    const list = new DeadlineList<Entry>();
    const entries = ['a', 'b', 'c', 'd'].map((id, index) => new Entry(id, index));
    for (const entry of entries) list.insert(entry);
    const [a, b, c, d] = entries as [Entry, Entry, Entry, Entry];
    list.remove(b);
    list.remove(a);
    list.remove(d);
    list.remove(d); // removing twice is a no-op
    expect(list.size).toBe(1);
    expect(c.listed).toBe(true);
    expect(expireAll(list, 10)).toEqual(['c']);
    list.insert(new Entry('e', 5));
    expect(expireAll(list, 10)).toEqual(['e']);
  });

  it('lets the expiry callback remove or add entries', () => {
    const list = new DeadlineList<Entry>();
    const b = new Entry('b', 2);
    list.insert(new Entry('a', 1));
    list.insert(b);
    list.insert(new Entry('c', 3));
    const seen: string[] = [];
    list.expire(10, (entry) => {
      seen.push(entry.id);
      if (entry.id === 'a') list.remove(b);
      if (entry.id === 'c') list.insert(new Entry('later', 20));
    });
    expect(seen).toEqual(['a', 'c']);
    expect(list.size).toBe(1);
  });

  it('drains everything on close', () => {
    const list = new DeadlineList<Entry>();
    for (let index = 0; index < 5; index++) list.insert(new Entry(String(index), index));
    const drained: string[] = [];
    list.drain((entry) => drained.push(entry.id));
    expect(drained).toEqual(['0', '1', '2', '3', '4']);
    expect(list.size).toBe(0);
  });
});
