import { hashTag } from '@redgrid/core';
import type { KeySegment } from './partition-strategy.js';

/** The default segment of range strategies: `user:123` gives `123`. */
export const defaultKeySegment: KeySegment = Object.freeze({
  separator: ':',
  index: 1,
});

/**
 * The part of a key a range strategy compares, or undefined when the key has no such part.
 * The hash tag, when the key has one, replaces the key (so tagged keys stay together), and a
 * tag without separator is taken as the segment itself.
 */
export function extractSegment(key: string, segment: KeySegment | 'key'): string | undefined {
  const routingKey = hashTag(key);
  if (segment === 'key') return routingKey;
  const { separator, index } = segment;
  if (separator === '') return routingKey;
  // Walk the separators with indexOf / lastIndexOf instead of split(): no array per lookup.
  let start: number;
  let end: number;
  if (index >= 0) {
    start = 0;
    for (let part = 0; part < index; part++) {
      const next = routingKey.indexOf(separator, start);
      if (next === -1) return routingKey !== key && part === 0 ? routingKey : undefined;
      start = next + separator.length;
    }
    end = routingKey.indexOf(separator, start);
    if (end === -1) end = routingKey.length;
  } else {
    end = routingKey.length;
    for (let part = -1; part > index; part--) {
      const previous = routingKey.lastIndexOf(separator, end - 1);
      if (previous === -1 || end === 0) {
        return routingKey !== key && part === -1 ? routingKey : undefined;
      }
      end = previous;
    }
    const previous = end === 0 ? -1 : routingKey.lastIndexOf(separator, end - 1);
    start = previous === -1 ? 0 : previous + separator.length;
  }
  return routingKey.slice(start, end);
}
