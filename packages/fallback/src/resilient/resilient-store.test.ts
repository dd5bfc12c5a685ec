import { CircuitOpenError, CommandTimeoutError, CrossSlotError } from '@redgrid/core';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { WrongTypeError } from '../errors/wrong-type-error.js';
import { MemoryStore } from '../memory/memory-store.js';
import { defineScript } from '../script/store-script.js';
import { ResilientStore } from './resilient-store.js';

class ReplyError extends Error {
  override name = 'ReplyError';
}

/**
 * A stand-in for an ioredis client, for the routing logic only (which errors fall back, events,
 * journal bounds). Everything Redis itself does is tested against real servers in
 * resilient-store.int.test.ts.
 */
function fakeClient() {
  const data = new Map<string, string>();
  const state = {
    down: false as false | 'breaker' | 'timeout',
    reply: undefined as Error | undefined,
  };
  const guard = () => {
    if (state.down === 'breaker') throw new CircuitOpenError({ retryAfterMs: 1000 });
    if (state.down === 'timeout') throw new CommandTimeoutError({ command: 'GET', timeoutMs: 50 });
    if (state.reply) throw state.reply;
  };
  const client = {
    data,
    state,
    async get(key: string) {
      guard();
      return data.get(key) ?? null;
    },
    async getBuffer(key: string) {
      guard();
      const value = data.get(key);
      return value === undefined ? null : Buffer.from(value);
    },
    async set(key: string, value: string | Buffer) {
      guard();
      data.set(key, value.toString());
      return 'OK';
    },
    async del(...keys: string[]) {
      guard();
      return keys.filter((key) => data.delete(key)).length;
    },
    async unlink(...keys: string[]) {
      guard();
      return keys.filter((key) => data.delete(key)).length;
    },
    async pttl(key: string) {
      guard();
      return data.has(key) ? -1 : -2;
    },
    async evalsha() {
      guard();
      return 42;
    },
  };
  return client;
}

const stores: ResilientStore[] = [];
function createStore(options: Partial<ConstructorParameters<typeof ResilientStore>[0]> = {}) {
  const client = fakeClient();
  const store = new ResilientStore({
    connection: { client: client as unknown as Redis },
    memory: { sweepIntervalMs: 0 },
    ...options,
  });
  stores.push(store);
  return { store, client };
}

afterEach(() => {
  for (const store of stores.splice(0)) store.dispose();
});

describe('ResilientStore routing', () => {
  it('answers from Redis while it is usable', async () => {
    const { store, client } = createStore();
    client.data.set('a', '1');
    await expect(store.get('a')).resolves.toEqual({
      value: '1',
      source: 'redis',
      degraded: false,
    });
    expect(store.degraded).toBe(false);
  });

  it.each(['breaker', 'timeout'] as const)(
    'answers from memory when Redis is unusable (%s), flagged',
    async (down) => {
      const { store, client } = createStore();
      const degraded = vi.fn();
      store.on('degraded', degraded);
      client.state.down = down;
      await expect(store.set('k', 'v', { ttlMs: 1_000 })).resolves.toEqual({
        value: true,
        source: 'memory',
        degraded: true,
      });
      await expect(store.get('k')).resolves.toEqual({
        value: 'v',
        source: 'memory',
        degraded: true,
      });
      await expect(store.getBuffer('k')).resolves.toMatchObject({
        value: Buffer.from('v'),
      });
      await expect(store.ttlMs('k')).resolves.toMatchObject({
        source: 'memory',
      });
      expect(store.degraded).toBe(true);
      expect(degraded).toHaveBeenCalledOnce();
      expect(store.stats()).toMatchObject({
        degraded: true,
        outages: 1,
        memory: 4,
      });
    },
  );

  it('rethrows reply errors instead of hiding them behind the fallback', async () => {
    const { store, client } = createStore();
    client.state.reply = new ReplyError(
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    );
    await expect(store.get('k')).rejects.toThrow(/WRONGTYPE/);
    expect(store.degraded).toBe(false);
  });

  it('recovers on the first successful call and discards memory data by default', async () => {
    const { store, client } = createStore();
    const recovered = vi.fn();
    store.on('recovered', recovered);
    client.state.down = 'breaker';
    await store.set('k', 'outage value');
    client.state.down = false;
    await expect(store.get('k')).resolves.toEqual({
      value: null,
      source: 'redis',
      degraded: false,
    });
    await vi.waitFor(() => expect(recovered).toHaveBeenCalledOnce(), { timeout: 5_000 });
    expect(recovered.mock.calls[0]?.[0]).toMatchObject({
      policy: 'discard',
      replayed: 0,
      keys: [],
    });
    expect(store.memory.size).toBe(0);
    expect(store.degraded).toBe(false);
  });

  it('invalidate: deletes from Redis every key written or deleted during the outage', async () => {
    const { store, client } = createStore({ recovery: 'invalidate' });
    client.data.set('written', 'old');
    client.data.set('deleted', 'old');
    client.data.set('untouched', 'old');
    client.state.down = 'timeout';
    await store.set('written', 'new');
    await store.delete('deleted');
    client.state.down = false;
    const recovered = new Promise((resolve) => store.on('recovered', resolve));
    await store.get('untouched');
    await expect(recovered).resolves.toMatchObject({
      policy: 'invalidate',
      invalidated: 2,
      keys: ['written', 'deleted'],
    });
    expect([...client.data.keys()]).toEqual(['untouched']);
  });

  it('bounds the journal and reports writes past it as dropped', async () => {
    const { store, client } = createStore({
      recovery: 'invalidate',
      maxJournalEntries: 3,
    });
    client.state.down = 'breaker';
    for (let index = 0; index < 10; index++) await store.set(`k${index}`, 'v');
    expect(store.stats().journalSize).toBe(3);
    client.state.down = false;
    const recovered = new Promise((resolve) => store.on('recovered', resolve));
    await store.get('x');
    await expect(recovered).resolves.toMatchObject({
      invalidated: 3,
      dropped: 7,
    });
  });

  it('keeps the journal when Redis fails again during the recovery', async () => {
    const { store, client } = createStore({ recovery: 'invalidate' });
    client.state.down = 'breaker';
    await store.set('k', 'v');
    client.state.down = false;
    const unlink = vi.spyOn(client, 'unlink').mockImplementationOnce(async () => {
      client.state.down = 'breaker';
      throw new CircuitOpenError({ retryAfterMs: 10 });
    });
    await store.get('probe');
    await vi.waitFor(() => expect(unlink).toHaveBeenCalled(), { timeout: 5_000 });
    await vi.waitFor(() => expect(store.degraded).toBe(true), { timeout: 5_000 });
    expect(store.stats().journalSize).toBe(1);
    expect(store.memory.get('k')).toBe('v');
  });

  it('runs scripts in memory with the same keys and args while degraded', async () => {
    const { store, client } = createStore();
    const counter = defineScript({
      name: 'counter',
      lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
      numberOfKeys: 1,
      parseReply: (reply) => Number(reply),
      memory: (memory, keys, args) => memory.increment(keys[0] ?? '', { by: Number(args[0]) }),
    });
    await expect(store.runScript(counter, ['c'], [5])).resolves.toEqual({
      value: 42,
      source: 'redis',
      degraded: false,
    });
    client.state.down = 'breaker';
    await expect(store.runScript(counter, ['c'], [5])).resolves.toEqual({
      value: 5,
      source: 'memory',
      degraded: true,
    });
    await expect(store.runScript(counter, ['c'], [2])).resolves.toMatchObject({
      value: 7,
    });
  });

  it('passes the wall clock to memory scripts', async () => {
    const { store, client } = createStore({ clock: () => 1_234 });
    client.state.down = 'breaker';
    const nowScript = {
      name: 'now',
      lua: 'return 0',
      numberOfKeys: 0,
      parseReply: Number,
      memory: (_memory: MemoryStore, _keys: readonly string[], _args: unknown, nowMs: number) =>
        nowMs,
    };
    await expect(store.runScript(nowScript, [])).resolves.toMatchObject({
      value: 1_234,
    });
  });

  it('validates script keys: count, and one slot whatever the topology', () => {
    const { store } = createStore();
    const script = defineScript({
      name: 'two-keys',
      lua: 'return 1',
      numberOfKeys: 2,
      parseReply: Number,
      memory: () => 1,
    });
    expect(() => store.runScript(script, ['a'])).toThrow(InvalidArgumentError);
    expect(() => store.runScript(script, ['a', 'b'])).toThrow(CrossSlotError);
    expect(() => store.runScript(script, ['{user:1}:a', '{user:1}:b'])).not.toThrow();
  });

  it('refuses to read a script state as a string (WRONGTYPE in memory)', async () => {
    const { store, client } = createStore();
    client.state.down = 'breaker';
    store.memory.set('state', { tokens: 3 });
    await expect(store.get('state')).rejects.toBeInstanceOf(WrongTypeError);
  });

  it('uses a MemoryStore it is given without disposing it', () => {
    const memory = new MemoryStore({ sweepIntervalMs: 0 });
    const { store } = createStore({ memory });
    expect(store.memory).toBe(memory);
    memory.set('k', 1);
    store.dispose();
    expect(memory.get('k')).toBe(1);
    memory.dispose();
  });

  it('rejects invalid arguments before trying anything', () => {
    const { store } = createStore();
    expect(() => store.increment('k', { by: 1.5 })).toThrow(/options\.by/);
    expect(() => store.increment('k', { ttlMs: -1 })).toThrow(/options\.ttlMs/);
    expect(
      () =>
        new ResilientStore({
          connection: { client: {} as Redis },
          recovery: 'nope' as 'discard',
        }),
    ).toThrow(/options\.recovery/);
  });
});
