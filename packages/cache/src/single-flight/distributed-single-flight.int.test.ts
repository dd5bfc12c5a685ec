import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCache } from '../cache/create-cache.js';
import { type LockClient, lockKeyOf, RedisLock } from './redis-lock.js';

// Processes on a busy two-core machine start slowly (tsx compiles the child): generous waits.
const settle = { timeout: 60_000, interval: 20 };
const childScript = fileURLToPath(new URL('../test-support/get-or-set-child.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

interface Child {
  process: ChildProcess;
  messages: Array<{ type: string; value?: unknown; source?: unknown }>;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('distributed single-flight (getOrSet across processes)', () => {
  let redis: StandaloneTopology;
  let connection: RedisConnection;
  let raw: Redis;
  let testIndex = 0;
  beforeAll(async () => {
    redis = await startStandalone();
    connection = createConnection(loadConfigFromEnv(redis.env()));
    raw = connection.client as Redis;
  });
  afterAll(async () => {
    await connection?.close();
    await redis?.stop();
  });
  afterEach(() => {
    testIndex++;
  });

  /** A child process running test-support/get-or-set-child.ts against the test server. */
  function spawnChild(args: {
    prefix: string;
    key: string;
    mode: 'load' | 'hang';
    lockTtlMs: number;
    waitMs: number;
    arrivals: number;
  }): Child {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@redgrid/source',
        '--import',
        tsx,
        childScript,
        args.prefix,
        args.key,
        args.mode,
        String(args.lockTtlMs),
        String(args.waitMs),
        String(args.arrivals),
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '', ...redis.env() },
      },
    );
    const state: Child = {
      process: child,
      messages: [],
      stderr: '',
      exited: new Promise((resolve) => {
        child.on('exit', (code, signal) => resolve({ code, signal }));
      }),
    };
    let pending = '';
    child.stdout?.on('data', (data: Buffer) => {
      pending += data.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('{')) state.messages.push(JSON.parse(line) as Child['messages'][0]);
      }
    });
    child.stderr?.on('data', (data: Buffer) => {
      state.stderr += data.toString();
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await state.exited;
    });
    return state;
  }

  async function message(child: Child, type: string): Promise<Child['messages'][0]> {
    await vi.waitFor(() => {
      expect(
        child.messages.some((entry) => entry.type === type),
        `child ${child.process.pid} printed ${type} (stderr: ${child.stderr})`,
      ).toBe(true);
    }, settle);
    return child.messages.find((entry) => entry.type === type) ?? { type };
  }

  it('4 processes missing one key at once: the loader runs once, all 4 get its value', async () => {
    const prefix = `sf${testIndex}:`;
    const children = Array.from({ length: 4 }, () =>
      spawnChild({
        prefix,
        key: 'hot',
        mode: 'load',
        lockTtlMs: 10_000,
        waitMs: 60_000,
        arrivals: 4,
      }),
    );
    await Promise.all(children.map((child) => message(child, 'ready')));
    // The winner's loader holds until all 4 have arrived: every process misses while it runs.
    for (const child of children) child.process.stdin?.write('go\n');
    const results = await Promise.all(children.map((child) => message(child, 'result')));
    expect(await raw.get(`${prefix}loads`)).toBe('1');
    const values = new Set(results.map((result) => result.value));
    expect(values.size).toBe(1);
    expect([...values][0]).toMatch(/^loaded by \d+$/);
    expect(results.map((result) => result.source).sort()).toEqual([
      'loader',
      'redis',
      'redis',
      'redis',
    ]);
    const exits = await Promise.all(children.map((child) => child.exited));
    expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0, 0]);
    expect(await raw.exists(lockKeyOf(prefix, `${prefix}hot`).key)).toBe(0);
  });

  it('a winner killed mid-load: its lock expires and a waiting process loads', async () => {
    const prefix = `sf${testIndex}:`;
    const options = { prefix, key: 'k', lockTtlMs: 2_000, waitMs: 60_000, arrivals: 1 };
    const dying = spawnChild({ ...options, mode: 'hang' });
    const waiting = spawnChild({ ...options, mode: 'load' });
    await Promise.all([message(dying, 'ready'), message(waiting, 'ready')]);
    dying.process.stdin?.write('go\n');
    await message(dying, 'loading');
    // The dying process holds the lock now; the other one misses, finds it taken and waits.
    waiting.process.stdin?.write('go\n');
    dying.process.kill('SIGKILL');
    expect((await dying.exited).signal).toBe('SIGKILL');
    const result = await message(waiting, 'result');
    expect(result).toMatchObject({ source: 'loader', value: `loaded by ${waiting.process.pid}` });
    expect(await raw.get(`${prefix}loads`)).toBe('2');
    expect((await waiting.exited).code).toBe(0);
  });

  it('fencing: a holder whose lock expired cannot release the newer holder’s lock', async () => {
    const prefix = `fence${testIndex}:`;
    const client = connection.client as unknown as LockClient;
    const lock = lockKeyOf(prefix, `${prefix}k`);
    const stale = new RedisLock(client, 50);
    expect(await stale.acquire(lock, 'stale-token')).toBe('acquired');
    expect(await stale.acquire(lock, 'another-token')).toBe('busy');
    await vi.waitFor(async () => expect(await raw.exists(lock.key)).toBe(0), settle);
    const newer = new RedisLock(client, 60_000);
    expect(await newer.acquire(lock, 'newer-token')).toBe('acquired');
    expect(await stale.release(lock, 'stale-token')).toBe(false);
    expect(await raw.get(lock.key)).toBe('newer-token');
    expect(await newer.release(lock, 'newer-token')).toBe(true);
    expect(await raw.exists(lock.key)).toBe(0);
    // With the value key: a value written meanwhile is reported instead of taking the lock.
    await raw.set(`${prefix}k`, 'value');
    expect(await newer.acquire(lock, 'late-token', `${prefix}k`)).toBe('present');
    expect(await raw.exists(lock.key)).toBe(0);
  });

  /** A cache over the shared test connection, closed after the test. */
  function cacheOver(options: Partial<Parameters<typeof createCache>[0]>) {
    const cache = createCache({ connection, jitter: 0, l1: false, ...options });
    cleanups.push(() => cache.close());
    return cache;
  }

  /** A loader that returns `value` once `release()` is called, and the release. */
  function gatedLoader(value: string) {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const loader = vi.fn(async () => {
      await gate;
      return value;
    });
    cleanups.push(() => release());
    return { loader, release };
  }

  it('a waiter gives up after waitMs and runs the loader itself: it never hangs', async () => {
    const prefix = `wait${testIndex}:`;
    const holder = cacheOver({ prefix, distributedSingleFlight: true });
    const waiter = cacheOver({ prefix, distributedSingleFlight: { waitMs: 50 } });
    const stuck = gatedLoader('never written');
    const held = holder.getOrSet('k', stuck.loader);
    await vi.waitFor(() => expect(stuck.loader).toHaveBeenCalledTimes(1), settle);
    expect(
      await waiter.getOrSetWithMetadata('k', async () => 'loaded by the waiter'),
    ).toMatchObject({ value: 'loaded by the waiter', source: 'loader' });
    stuck.release();
    expect(await held).toBe('never written');
  });

  it('a background refresh within grace runs in one process; the others keep the stale value', async () => {
    const prefix = `refresh${testIndex}:`;
    const options = { prefix, distributedSingleFlight: true, ttlMs: 100, graceMs: 60_000 };
    const a = cacheOver(options);
    const b = cacheOver(options);
    await a.set('k', 'old');
    await vi.waitFor(async () => expect(await a.get('k')).toBeUndefined(), settle);
    const evals = () =>
      connection.metrics().commands.find((stats) => stats.command === 'EVAL')?.count ?? 0;
    const refreshA = gatedLoader('new');
    const loaderB = vi.fn(async () => 'refreshed twice');
    expect(await a.getOrSetWithMetadata('k', refreshA.loader)).toMatchObject({
      value: 'old',
      stale: true,
    });
    await vi.waitFor(() => expect(refreshA.loader).toHaveBeenCalledTimes(1), settle);
    const evalsBefore = evals();
    expect(await b.getOrSetWithMetadata('k', loaderB)).toMatchObject({ value: 'old', stale: true });
    // b's refresh found the lock taken (its EVAL) and did not run its loader
    await vi.waitFor(() => expect(evals()).toBeGreaterThan(evalsBefore), settle);
    refreshA.release();
    await vi.waitFor(async () => expect(await b.get('k')).toBe('new'), settle);
    expect(loaderB).not.toHaveBeenCalled();
  });

  it('a lock Redis refuses (no EVAL for this user) never fails the call: the loader runs here', async () => {
    const prefix = `noeval${testIndex}:`;
    await raw.call(
      'ACL',
      'SETUSER',
      'no-eval',
      'on',
      '>no-eval-password',
      '~*',
      '&*',
      '+@all',
      '-eval',
      '-evalsha',
    );
    const limited = createConnection(
      loadConfigFromEnv({
        ...redis.env(),
        REDIS_USERNAME: 'no-eval',
        REDIS_PASSWORD: 'no-eval-password',
      }),
    );
    cleanups.push(() => limited.close());
    const cache = createCache({
      connection: limited,
      prefix,
      l1: false,
      distributedSingleFlight: true,
    });
    cleanups.push(() => cache.close());
    const loader = vi.fn(async () => 'value');
    expect(await cache.getOrSetWithMetadata('k', loader)).toMatchObject({
      value: 'value',
      source: 'loader',
    });
    expect(loader).toHaveBeenCalledTimes(1);
    expect(await cache.get('k')).toBe('value');
  });
});
