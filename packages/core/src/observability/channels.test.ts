import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { publish, redgridChannel, redgridChannelNames } from './channels.js';

describe('RedGrid channels', () => {
  it('are the diagnostics_channel channels of the same names', () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    subscribe('redgrid:breaker', listener);
    try {
      publish('redgrid:breaker', { name: 'redis', from: 'closed', to: 'open', reason: 'manual' });
    } finally {
      unsubscribe('redgrid:breaker', listener);
    }
    expect(seen).toEqual([{ name: 'redis', from: 'closed', to: 'open', reason: 'manual' }]);
    expect(redgridChannel('redgrid:breaker').hasSubscribers).toBe(false);
  });

  it('name every channel once, all under redgrid:', () => {
    expect(new Set(redgridChannelNames).size).toBe(redgridChannelNames.length);
    expect(redgridChannelNames.every((name) => name.startsWith('redgrid:'))).toBe(true);
  });
});
