import { type StandaloneTopology, sendCommands, startStandalone } from '@redgrid/redis-harness';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTag } from './hash-tag.js';
import { keySlot } from './key-slot.js';

let redis: StandaloneTopology | undefined;

beforeAll(async () => {
  redis = await startStandalone({ args: ['--cluster-enabled', 'yes'] });
});

afterAll(async () => {
  await redis?.stop();
});

async function serverSlots(keys: readonly string[]): Promise<number[]> {
  if (redis === undefined) throw new Error('redis-server did not start');
  const replies = await sendCommands(
    { host: redis.host, port: redis.port },
    keys.map((key) => ['CLUSTER', 'KEYSLOT', key]),
    { timeoutMs: 30_000 },
  );
  return replies.map((reply) => {
    if (typeof reply !== 'number') throw new Error(`CLUSTER KEYSLOT replied ${String(reply)}`);
    return reply;
  });
}

describe('keySlot against CLUSTER KEYSLOT of a real cluster-enabled redis-server', () => {
  it('agrees on hand-picked keys: tags, empty tags, unbalanced braces, unicode', async () => {
    const keys = [
      '',
      'foo',
      'bar',
      'hello',
      'user:1000',
      '{user1000}.following',
      '{user1000}.followers',
      'foo{bar}baz',
      '{a}{b}',
      '{}',
      '{}x',
      '{}{x}',
      'x{}',
      '{',
      '}',
      '}{',
      'x{y',
      'x}y{',
      '{{a}}',
      'a{b{c}d}',
      '{é}',
      'clé:{été}:1',
      '日本語のキー',
      '{日本}:x',
      '😀',
      '{😀}',
      'emoji 😀 and {tag😀}',
      '\u0000nul',
      'lone \ud800 surrogate',
      'k'.repeat(10_000),
    ];
    expect(keys.map(keySlot)).toEqual(await serverSlots(keys));
  });

  it('agrees on thousands of generated keys', async () => {
    const piece = fc.oneof(
      fc.constantFrom('{', '}', '{}', ':', 'user', 'é', '日本', '😀', '\ud83d'),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    );
    const keys = fc.sample(
      fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
      { numRuns: 5_000, seed: 20_240_601 },
    );
    const slots = await serverSlots(keys);
    keys.forEach((key, index) => {
      expect({ key, slot: keySlot(key) }).toEqual({ key, slot: slots[index] });
    });
    // And the tag rule itself: the server gives a key the slot of its tag.
    const tags = keys.map(hashTag);
    expect(await serverSlots(tags)).toEqual(slots);
  });
});
