import {
  CircuitBreaker,
  CommandRetriesExhaustedError,
  WriteNotConfirmedError,
} from '@redgrid/core';
import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CommandGuard } from '../guard/command-guard.js';
import { isConnectionFailure } from '../guard/is-connection-failure.js';
import type { CommandLike } from '../ioredis/internals.js';
import { CommandMetrics } from '../metrics/command-metrics.js';
import { FakeInstance } from '../test-support/fake-instance.js';
import { WriteFence } from './write-fence.js';

function setup(options: { replicas?: number; maxResends?: number | null } = {}) {
  let now = 1_000;
  const clock = () => now;
  const breaker = new CircuitBreaker({ isFailure: isConnectionFailure, clock });
  const guard = new CommandGuard({
    breaker,
    commandTimeoutMs: 5_000,
    metrics: new CommandMetrics(),
    isFailure: isConnectionFailure,
    clock,
    maxResends: options.maxResends,
    fence: {
      replicas: options.replicas ?? 1,
      timeoutMs: 1_000,
      holdLimitMs: 5_000,
      createWait: (replicas, timeoutMs) =>
        new Command('wait', [replicas, timeoutMs]) as unknown as CommandLike,
    },
  });
  const instance = new FakeInstance();
  guard.attach(instance, { countResends: true });
  const fence = guard.fence as WriteFence;
  return {
    guard,
    fence,
    instance,
    advance(ms: number) {
      now += ms;
    },
    send(name: string, args: unknown[] = []) {
      const command = new Command(name, args as string[]) as unknown as CommandLike;
      command.promise.catch(() => {});
      instance.sendCommand(command);
      return command;
    },
  };
}

/** Settles after every queued microtask (the fence sends its WAIT in one). */
const microtasks = () => new Promise((resolve) => setImmediate(resolve));

function outcomeOf(promise: Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('WriteFence.isWrite', () => {
  it('knows writes, scripts and reads, in any case, and does not fence unknown commands', () => {
    for (const name of ['set', 'SET', 'incr', 'del', 'hset', 'evalsha', 'eval', 'blpop']) {
      expect(WriteFence.isWrite(name)).toBe(true);
    }
    for (const name of ['get', 'GET', 'eval_ro', 'ping', 'wait', 'module.custom']) {
      expect(WriteFence.isWrite(name)).toBe(false);
    }
  });
});

describe('write fence in the command guard', () => {
  it('delivers a write only after one WAIT confirms every write of the tick', async () => {
    const { send, instance } = setup();
    const writes = [send('set', ['a', '1']), send('incr', ['b'])];
    const read = send('get', ['a']);
    await microtasks();
    const waits = instance.writtenNamed('wait');
    expect(waits).toHaveLength(1);
    expect(waits[0]?.args).toEqual(['1', '1000']);
    let delivered = 0;
    for (const write of writes) void write.promise.then(() => delivered++);
    writes[0]?.resolve('OK');
    writes[1]?.resolve(1);
    read.resolve('1');
    await expect(read.promise).resolves.toBe('1');
    await microtasks();
    expect(delivered).toBe(0);
    waits[0]?.resolve(1);
    await expect(writes[0]?.promise).resolves.toBe('OK');
    await expect(writes[1]?.promise).resolves.toBe(1);
  });

  it('fails writes that fewer replicas confirmed, with the counts', async () => {
    const { send, instance } = setup({ replicas: 2 });
    const write = send('set', ['a', '1']);
    await microtasks();
    write.resolve('OK');
    instance.writtenNamed('wait')[0]?.resolve(1);
    const { error } = await outcomeOf(write.promise);
    expect(WriteNotConfirmedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'timeout', replicasRequired: 2, replicasConfirmed: 1 });
  });

  it('distrusts a confirmation that arrives after a failover started', async () => {
    const { send, instance, fence } = setup();
    const write = send('set', ['a', '1']);
    await microtasks();
    write.resolve('OK');
    fence.failoverStarted();
    instance.writtenNamed('wait')[0]?.resolve(2);
    expect((await outcomeOf(write.promise)).error).toMatchObject({ reason: 'failover' });
    fence.failoverEnded();
  });

  it('fails a write whose reply came but whose socket closed before the confirmation', async () => {
    const { send, instance } = setup();
    const write = send('set', ['a', '1']);
    await microtasks();
    write.resolve('OK');
    instance.emit('close');
    expect((await outcomeOf(write.promise)).error).toMatchObject({ reason: 'connection-lost' });
  });

  it('reports a write applied but unconfirmed at its deadline as not confirmed, not timed out', async () => {
    const { send, guard, advance } = setup();
    const write = send('set', ['a', '1']);
    await microtasks();
    write.resolve('OK');
    advance(5_000);
    guard.sweep();
    expect((await outcomeOf(write.promise)).error).toMatchObject({
      code: 'ERR_WRITE_NOT_CONFIRMED',
      reason: 'timeout',
    });
  });

  it('holds lone writes during a failover and sends them after it; reads go on', async () => {
    const { send, instance, fence } = setup({ replicas: 0 });
    fence.failoverStarted();
    const write = send('set', ['a', '1']);
    const read = send('get', ['a']);
    expect(instance.written).toEqual([read]);
    expect(fence.heldCount).toBe(1);
    fence.failoverEnded();
    expect(instance.written).toEqual([read, write]);
    // Without replicas to wait for, the reply is delivered at once.
    write.resolve('OK');
    await expect(write.promise).resolves.toBe('OK');
    expect(instance.writtenNamed('wait')).toEqual([]);
  });

  it('does not send a held write that timed out meanwhile', async () => {
    const { send, instance, fence, guard, advance } = setup({ replicas: 0 });
    fence.failoverStarted();
    const write = send('set', ['a', '1']);
    advance(5_000);
    guard.sweep();
    expect((await outcomeOf(write.promise)).error).toMatchObject({ code: 'ERR_COMMAND_TIMEOUT' });
    fence.failoverEnded();
    expect(instance.written).toEqual([]);
  });
});

describe('resends of written commands', () => {
  it('counts only resends of a command written on a ready connection, up to maxResends', async () => {
    const { send, instance } = setup({ replicas: 0, maxResends: 1 });
    instance.status = 'reconnecting';
    const queued = send('get', ['a']);
    // Flushed from the offline queue once ready: it was never written, so this is no resend.
    instance.status = 'ready';
    instance.sendCommand(queued);
    // Written, connection lost, resent once: allowed.
    instance.sendCommand(queued);
    expect(instance.written).toEqual([queued, queued, queued]);
    // A second resend exceeds maxResends = 1.
    instance.sendCommand(queued);
    const { error } = await outcomeOf(queued.promise);
    expect(CommandRetriesExhaustedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ command: 'GET', maxRetries: 1 });
    expect(instance.written).toHaveLength(3);
  });

  it('resends without limit when maxResends is null', async () => {
    const { send, instance } = setup({ replicas: 0, maxResends: null });
    const command = send('get', ['a']);
    for (let resend = 0; resend < 10; resend++) instance.sendCommand(command);
    expect(instance.written).toHaveLength(11);
    command.resolve('1');
    await expect(command.promise).resolves.toBe('1');
  });
});
