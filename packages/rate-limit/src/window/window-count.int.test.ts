import { ConfigError } from '@redgrid/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageKeys } from '../keys/storage-keys.js';
import { createRateLimiter } from '../limiter/create-rate-limiter.js';
import type { RateLimiter } from '../limiter/rate-limiter.js';
import {
  type StartedRedis,
  startRedis,
  type TopologyKind,
} from '../test-support/redis-topologies.js';

// getWindow, decrement and resetAll: the fixed-window counter operations a store of
// express-rate-limit needs, against real servers.
describe.each<TopologyKind>(['standalone', 'cluster'])('fixed-window counts on %s', (kind) => {
  let redis: StartedRedis;
  let run = 0;
  const limiters: RateLimiter[] = [];

  beforeAll(async () => {
    redis = await startRedis(kind);
  }, 120_000);

  afterAll(async () => {
    for (const limiter of limiters) limiter.dispose();
    await redis?.stop();
  });

  function counter(prefix = `wc${++run}:`) {
    const limiter = createRateLimiter({
      connection: redis.connection,
      algorithm: 'fixed-window',
      limit: 3,
      windowMs: 60_000,
      prefix,
    });
    limiters.push(limiter);
    return limiter;
  }

  it('reads the count and the time left of the window a check opened', async () => {
    const limiter = counter();
    expect(await limiter.getWindow('a')).toBeUndefined();
    await limiter.check('a');
    await limiter.check('a', { cost: 2 });
    const window = await limiter.getWindow('a');
    expect(window?.used).toBe(3);
    expect(window?.degraded).toBe(false);
    expect(window?.resetMs).toBeGreaterThan(0);
    expect(window?.resetMs).toBeLessThanOrEqual(60_000);
  });

  it('keeps counting past the limit when checks pass a larger limit', async () => {
    const limiter = counter();
    for (let index = 0; index < 5; index++) await limiter.check('b', { limit: 1_000_000_000 });
    expect((await limiter.getWindow('b'))?.used).toBe(5);
  });

  it('decrements never below zero, and opens a window at 0 on a key without one', async () => {
    const limiter = counter();
    await limiter.check('c');
    expect((await limiter.decrement('c')).used).toBe(0);
    expect((await limiter.decrement('c')).used).toBe(0);
    const opened = await limiter.decrement('fresh', { windowMs: 30_000 });
    expect(opened).toMatchObject({ used: 0, degraded: false });
    expect(opened.resetMs).toBeGreaterThan(0);
    expect(opened.resetMs).toBeLessThanOrEqual(30_000);
    const window = await limiter.getWindow('fresh');
    expect(window?.used).toBe(0);
    expect(window?.resetMs).toBeLessThanOrEqual(30_000);
    await limiter.check('fresh');
    expect((await limiter.getWindow('fresh'))?.used).toBe(1);
  });

  it('stores the count in the fixed-window state key, with the window as its TTL', async () => {
    const prefix = `wc${++run}:`;
    const limiter = counter(prefix);
    await limiter.check('d');
    await limiter.check('d');
    const { stateKey } = storageKeys(prefix, 'fixed-window', 'd');
    expect(await redis.connection.client.get(stateKey)).toBe('2');
    expect(await redis.connection.client.pttl(stateKey)).toBeGreaterThan(0);
  });

  it('keeps a window open at 0 after a refund: the next check counts in it', async () => {
    const prefix = `wc${++run}:`;
    const limiter = counter(prefix);
    await limiter.check('f');
    // Shorten the window so that a reopened one (60 s) would show.
    const { stateKey } = storageKeys(prefix, 'fixed-window', 'f');
    await redis.connection.client.pexpire(stateKey, 30_000);
    await limiter.refund('f');
    const next = await limiter.check('f');
    expect(next.remaining).toBe(2);
    expect(next.resetMs).toBeLessThanOrEqual(30_000);
    expect((await limiter.getWindow('f'))?.used).toBe(1);
  });

  it('resetAll forgets every key under the prefix, and only those', async () => {
    const mine = counter();
    const other = counter();
    for (const key of ['e1', 'e2', '{user:1}:e3']) await mine.check(key);
    await other.check('e1');
    expect(await mine.resetAll()).toBe(3);
    for (const key of ['e1', 'e2', '{user:1}:e3'])
      expect(await mine.getWindow(key)).toBeUndefined();
    expect((await other.getWindow('e1'))?.used).toBe(1);
  });

  it('refuses the window operations on another algorithm, and resetAll without a prefix', async () => {
    const sliding = createRateLimiter({
      connection: redis.connection,
      algorithm: 'sliding-window',
      limit: 3,
      windowMs: 1_000,
    });
    limiters.push(sliding);
    await expect(sliding.getWindow('x')).rejects.toThrow(ConfigError);
    await expect(sliding.decrement('x')).rejects.toThrow(/fixed windows/);
    const unprefixed = counter('');
    await expect(unprefixed.resetAll()).rejects.toThrow(/non-empty prefix/);
  });
});
