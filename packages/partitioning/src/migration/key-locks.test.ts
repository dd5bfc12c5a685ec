import { describe, expect, it } from 'vitest';
import { KeyLocks } from './key-locks.js';

describe('KeyLocks', () => {
  it('serializes tasks sharing a key and lets disjoint ones run together', async () => {
    const locks = new KeyLocks();
    const events: string[] = [];
    let releaseFirst = () => {};
    const first = locks.withKeys(['a', 'b'], async () => {
      events.push('first start');
      await new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      events.push('first end');
    });
    const second = locks.withKeys(['b'], async () => {
      events.push('second');
    });
    const third = locks.withKeys(['c'], async () => {
      events.push('third');
    });
    await third;
    expect(events).toEqual(['first start', 'third']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(['first start', 'third', 'first end', 'second']);
  });

  it('releases the keys when the task throws', async () => {
    const locks = new KeyLocks();
    await expect(
      locks.withKeys(['a'], async () => {
        throw new RangeError('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(locks.withKeys(['a'], async () => 'ok')).resolves.toBe('ok');
  });
});
