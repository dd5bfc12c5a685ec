import { describe, expect, it } from 'vitest';
import { extractSegment } from './key-segment.js';

/** The obvious definition the fast one must match. */
function reference(key: string, separator: string, index: number): string | undefined {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const routingKey = close > open + 1 ? key.slice(open + 1, close) : key;
  const parts = routingKey.split(separator);
  if (routingKey !== key && parts.length === 1) return routingKey;
  return parts[index < 0 ? parts.length + index : index];
}

describe('extractSegment', () => {
  it('matches split() for every index, separator and tag shape', () => {
    const keys = [
      'user:123',
      'user:123:profile',
      'user',
      '',
      ':',
      'a::b',
      ':lead',
      'trail:',
      '{user:7}:cart',
      'cart:{7}',
      '{}:x:1',
      'x{y',
      'ns::id::rest',
    ];
    for (const key of keys) {
      for (const separator of [':', '::']) {
        for (const index of [-3, -2, -1, 0, 1, 2, 3]) {
          expect(extractSegment(key, { separator, index }), `${key} ${separator} ${index}`).toBe(
            reference(key, separator, index),
          );
        }
      }
    }
  });

  it("returns the routing key for 'key' and for an empty separator", () => {
    expect(extractSegment('{a}:b', 'key')).toBe('a');
    expect(extractSegment('a:b', { separator: '', index: 3 })).toBe('a:b');
  });
});
