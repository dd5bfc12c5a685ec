import { createCache } from '@redgrid/cache';
import { createConnection } from '@redgrid/connection';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import type { CaseResult } from '../define-suite.js';
import { defineSuite } from '../define-suite.js';

// @redgrid/cache against bentocache (what a Node user would otherwise pick for L1 memory + L2
// Redis), both on the same redis-server, same 50 concurrent callers, same small JSON values:
// - L1-hit get: every key is in both libraries' in-process L1;
// - L2 get: a store without L1, so every get is a Redis GET plus decoding;
// - getOrSet of a cold key: a new key each call, so L1 miss, L2 miss, loader, L2 write and the
//   cross-instance invalidation message (bentocache: its Redis bus; RedGrid: its pub/sub).
// Each library is set up as its README shows, with defaults; RedGrid goes through its connection
// (breaker, deadline and metrics on every command).
const TTL_SECONDS = 3_600;

function ratioNote(results: readonly CaseResult[], ours: string, theirs: string): string {
  const a = results.find((result) => result.name === ours);
  const b = results.find((result) => result.name === theirs);
  if (!a || !b) return `${ours}: not measured`;
  return `${ours} / ${theirs}: ${(a.opsPerSecond / b.opsPerSecond).toFixed(2)}x`;
}

export const suite = defineSuite({
  name: 'cache',
  description: 'two-level cache: RedGrid vs bentocache (L1 memory + L2 Redis, same Redis)',
  kind: 'load',
  concurrency: 50,
  async setup(context) {
    const { host, port } = await context.redis();
    const keyCount = context.smoke ? 20 : 1_000;
    const keys = Array.from({ length: keyCount }, (_, index) => `item:${index}`);
    const itemValue = (index: number) => ({
      id: index,
      name: `item number ${index}`,
      tags: ['a', 'b'],
    });

    const bento = new BentoCache({
      default: 'tiered',
      stores: {
        tiered: bentostore()
          .useL1Layer(memoryDriver({ maxSize: '32mb', maxItems: 50_000 }))
          .useL2Layer(redisDriver({ connection: { host, port } }))
          .useBus(redisBusDriver({ connection: { host, port } })),
        l2: bentostore().useL2Layer(redisDriver({ connection: { host, port } })),
      },
    });
    context.onTeardown(() => bento.disconnectAll());
    const bentoTiered = bento.namespace('bento-tiered');
    const bentoL2 = bento.use('l2').namespace('bento-l2');

    const connection = createConnection({
      type: 'single',
      options: { host, port },
    });
    context.onTeardown(() => connection.close());
    const tiered = createCache({ connection, prefix: 'rg-tiered:' });
    context.onTeardown(() => tiered.close());
    const l2Only = createCache({ connection, prefix: 'rg-l2:', l1: false });
    context.onTeardown(() => l2Only.close());
    await tiered.ready();

    for (let index = 0; index < keyCount; index++) {
      const key = keys[index] ?? '';
      await bentoTiered.set({
        key,
        value: itemValue(index),
        ttl: `${TTL_SECONDS}s`,
      });
      await bentoL2.set({ key, value: itemValue(index), ttl: `${TTL_SECONDS}s` });
      await tiered.set(key, itemValue(index), TTL_SECONDS);
      await l2Only.set(key, itemValue(index), TTL_SECONDS);
    }
    // Warm both L1s (a set on one instance fills its own L1; a get makes sure).
    for (const key of keys) {
      await bentoTiered.get({ key });
      await tiered.get(key);
    }

    let next = 0;
    const nextKey = () => keys[next++ % keyCount] ?? '';
    let cold = 0;
    const loader = () => ({ id: cold, name: 'loaded', tags: ['a', 'b'] });

    return {
      cases: [
        {
          name: 'bentocache L1-hit get',
          baseline: true,
          fn: () => bentoTiered.get({ key: nextKey() }),
        },
        { name: 'redgrid L1-hit get', fn: () => tiered.get(nextKey()) },
        {
          name: 'bentocache L2 get',
          fn: () => bentoL2.get({ key: nextKey() }),
        },
        { name: 'redgrid L2 get', fn: () => l2Only.get(nextKey()) },
        {
          name: 'bentocache getOrSet cold',
          fn: () =>
            bentoTiered.getOrSet({
              key: `cold:${cold++}`,
              factory: loader,
              ttl: `${TTL_SECONDS}s`,
            }),
        },
        {
          name: 'redgrid getOrSet cold',
          fn: () =>
            tiered.getOrSet(`cold:${cold++}`, loader, {
              ttlMs: TTL_SECONDS * 1_000,
            }),
        },
      ],
      notes: (results) => [
        ratioNote(results, 'redgrid L1-hit get', 'bentocache L1-hit get'),
        ratioNote(results, 'redgrid L2 get', 'bentocache L2 get'),
        ratioNote(results, 'redgrid getOrSet cold', 'bentocache getOrSet cold'),
        `RedGrid L1 hit rate during the run: ${(
          tiered.metrics().l1Hits / Math.max(1, tiered.metrics().hits + tiered.metrics().misses)
        ).toFixed(3)}`,
      ],
    };
  },
});
