import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { publishAct } from './publish-act.js';

describe('publishAct', () => {
  it('announces an act as started, then succeeded with its details, or failed with the error code', async () => {
    const messages: unknown[] = [];
    const listener = (message: unknown) => messages.push(message);
    subscribe('redgrid:admin', listener);
    try {
      await expect(
        publishAct(
          'cluster-fix',
          async () => 3,
          (count) => ({ count }),
        ),
      ).resolves.toBe(3);
      const failure = Object.assign(new Error('no'), { code: 'ERR_CLUSTER_ADMIN' });
      await expect(
        publishAct(
          'cluster-fix',
          () => Promise.reject(failure),
          () => undefined,
        ),
      ).rejects.toBe(failure);
    } finally {
      unsubscribe('redgrid:admin', listener);
    }
    expect(messages).toEqual([
      { act: 'cluster-fix', outcome: 'started' },
      { act: 'cluster-fix', outcome: 'succeeded', details: { count: 3 } },
      { act: 'cluster-fix', outcome: 'started' },
      { act: 'cluster-fix', outcome: 'failed', details: { error: 'ERR_CLUSTER_ADMIN' } },
    ]);
  });
});
