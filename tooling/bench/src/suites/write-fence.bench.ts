import { createConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { startSentinel } from '@redgrid/redis-harness';
import { Redis } from 'ioredis';
import { defineSuite } from '../define-suite.js';

// What the write fence costs: SET on a Sentinel group (1 master + 2 replicas, all local)
// through plain ioredis (its defaults), RedGrid from the environment alone, and RedGrid with
// REDIS_WAIT_REPLICAS=1 (every write confirmed by a replica, one WAIT per batch of writes sent
// in one tick), 50 concurrent callers.
export const suite = defineSuite({
  name: 'write-fence',
  description: 'SET on Sentinel: ioredis, RedGrid defaults, RedGrid with REDIS_WAIT_REPLICAS=1',
  kind: 'load',
  concurrency: 50,
  async setup(context) {
    const topology = await startSentinel();
    context.onTeardown(() => topology.stop());
    const env = topology.env();
    const defaults = createConnection(loadConfigFromEnv(env));
    const fenced = createConnection(loadConfigFromEnv({ ...env, REDIS_WAIT_REPLICAS: '1' }));
    const plain = new Redis({
      sentinels: topology.sentinelAddresses.map(({ host, port }) => ({ host, port })),
      name: topology.masterName,
    });
    context.onTeardown(async () => {
      await plain.quit();
      await Promise.all([defaults.close(), fenced.close()]);
    });
    await Promise.all([defaults.connect(), fenced.connect(), plain.ping()]);
    const value = 'v'.repeat(100);
    const writer = (client: Redis) => {
      let count = 0;
      return () => client.set(`fence:${count++ % 1_000}`, value);
    };
    return {
      cases: [
        { name: 'ioredis SET (Sentinel)', baseline: true, fn: writer(plain) },
        { name: 'redgrid SET (defaults)', fn: writer(defaults.client as Redis) },
        { name: 'redgrid SET (REDIS_WAIT_REPLICAS=1)', fn: writer(fenced.client as Redis) },
      ],
      notes: (results) => {
        const ops = (name: string) =>
          results.find((result) => result.name === name)?.opsPerSecond ?? Number.NaN;
        const cost = ops('redgrid SET (REDIS_WAIT_REPLICAS=1)') / ops('redgrid SET (defaults)');
        return [`fenced/unfenced throughput: ${cost.toFixed(3)}x`];
      },
    };
  },
});
