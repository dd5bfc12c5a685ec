import diagnostics from 'node:diagnostics_channel';
import { createConnection } from '@redgrid/connection';
import { type CacheMessage, loadConfigFromEnv } from '@redgrid/core';
import { startStandalone } from '@redgrid/redis-harness';
import { describe, expect, it } from 'vitest';
import { createCache } from './create-cache.js';

// Every read is published on `redgrid:cache` with where its value came from, which is what
// @redgrid/observability counts (redgrid_cache_reads_total). The connection is what a user gets
// from the environment variables alone.
describe('redgrid:cache', () => {
  it('publishes each read: miss, l1, l2, and fallback while Redis is down', {
    timeout: 120_000,
  }, async () => {
    await using server = await startStandalone();
    const connection = createConnection(loadConfigFromEnv(server.env()));
    const messages: CacheMessage[] = [];
    const listener = (message: unknown) => messages.push(message as CacheMessage);
    diagnostics.subscribe('redgrid:cache', listener);
    const withL1 = createCache({ connection, prefix: 'channel:' });
    const withoutL1 = createCache({ connection, prefix: 'channel:', l1: false });
    try {
      await withL1.ready();
      expect(await withL1.get('k')).toBeUndefined();
      await withL1.set('k', 'v');
      expect(await withL1.get('k')).toBe('v');
      expect(await withoutL1.get('k')).toBe('v');
      expect(messages).toEqual([
        { cache: 'channel:', result: 'miss' },
        { cache: 'channel:', result: 'l1' },
        { cache: 'channel:', result: 'l2' },
      ]);

      await server.kill(server.node);
      messages.length = 0;
      await withoutL1.set('written', 1); // the fallback store takes it once Redis fails
      expect(await withoutL1.getWithMetadata('written')).toMatchObject({ source: 'memory' });
      expect(messages).toEqual([{ cache: 'channel:', result: 'fallback' }]);
    } finally {
      diagnostics.unsubscribe('redgrid:cache', listener);
      await withL1.close();
      await withoutL1.close();
      await connection.close();
    }
  });
});
