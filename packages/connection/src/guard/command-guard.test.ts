import {
  CircuitBreaker,
  CircuitOpenError,
  CommandTimeoutError,
  ConnectionClosedError,
} from '@redgrid/core';
import { Command, ReplyError } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import type { CommandLike } from '../ioredis/internals.js';
import { CommandMetrics } from '../metrics/command-metrics.js';
import { FakeInstance } from '../test-support/fake-instance.js';
import { CommandGuard } from './command-guard.js';
import { isConnectionFailure } from './is-connection-failure.js';

function setup(options: { timeoutMs?: number } = {}) {
  let now = 1_000;
  const clock = () => now;
  const breaker = new CircuitBreaker({
    consecutiveFailures: 3,
    openDurationMs: 1_000,
    isFailure: isConnectionFailure,
    clock,
  });
  const metrics = new CommandMetrics();
  const guard = new CommandGuard({
    breaker,
    commandTimeoutMs: options.timeoutMs ?? 500,
    metrics,
    isFailure: isConnectionFailure,
    clock,
  });
  const instance = new FakeInstance();
  guard.attach(instance);
  return {
    guard,
    breaker,
    metrics,
    instance,
    advance(ms: number) {
      now += ms;
    },
    send(name: string, args: unknown[] = [], stream?: unknown) {
      const command = new Command(name, args as string[]) as unknown as CommandLike;
      command.promise.catch(() => {});
      instance.sendCommand(command, stream);
      return command;
    },
  };
}

function outcomeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('CommandGuard', () => {
  it('lets commands through, counts successes and their latency', async () => {
    const { send, instance, metrics, advance } = setup();
    const command = send('get', ['key']);
    expect(instance.written).toEqual([command]);
    advance(2);
    command.resolve('value');
    await expect(command.promise).resolves.toBe('value');
    const get = metrics.snapshot().commands[0];
    expect(get?.command).toBe('GET');
    expect(get?.outcomes.success).toBe(1);
    expect(get?.latencySumMs).toBe(2);
  });

  it('refuses commands while the breaker is open without handing them to ioredis', async () => {
    const { send, instance, breaker, metrics } = setup();
    breaker.open();
    const command = send('set', ['key', 'value']);
    const result = await outcomeOf(command.promise);
    expect(CircuitOpenError.isInstance((result as { error: unknown }).error)).toBe(true);
    expect(instance.written).toEqual([]);
    expect(metrics.snapshot().commands[0]?.outcomes.rejected).toBe(1);
  });

  it('does not count reply errors as failures, but counts connection errors', async () => {
    const { send, breaker } = setup();
    for (let index = 0; index < 5; index++) {
      const command = send('incr', ['key']);
      command.reject(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind'));
      await outcomeOf(command.promise);
    }
    expect(breaker.state).toBe('closed');
    for (let index = 0; index < 3; index++) {
      const command = send('get', ['key']);
      command.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      await outcomeOf(command.promise);
    }
    expect(breaker.state).toBe('open');
  });

  it('counts a failover step (lost connection, MOVED, READONLY) only once the deadline is spent', async () => {
    const { send, breaker, advance } = setup({ timeoutMs: 500 });
    for (const error of [
      new Error('Connection is closed.'),
      new ReplyError('MOVED 3999 127.0.0.1:7001'),
      new ReplyError("READONLY You can't write against a read only replica."),
    ]) {
      const command = send('set', ['key', 'value']);
      command.reject(error);
      await outcomeOf(command.promise);
    }
    expect(breaker.stats()).toMatchObject({ state: 'closed', failures: 0 });
    for (let index = 0; index < 3; index++) {
      const command = send('set', ['key', 'value']);
      advance(500);
      command.reject(new Error('Connection is closed.'));
      await outcomeOf(command.promise);
    }
    expect(breaker.state).toBe('open');
  });

  it('rejects a command past its deadline with CommandTimeoutError and ignores the late reply', async () => {
    const { send, guard, advance, breaker, metrics } = setup({ timeoutMs: 500 });
    const command = send('get', ['key']);
    advance(499);
    expect(guard.sweep()).toBe(0);
    advance(1);
    expect(guard.sweep()).toBe(1);
    const result = (await outcomeOf(command.promise)) as { error: CommandTimeoutError };
    expect(CommandTimeoutError.isInstance(result.error)).toBe(true);
    expect(result.error.command).toBe('GET');
    expect(result.error.timeoutMs).toBe(500);
    command.resolve('late');
    expect(guard.inFlight).toBe(0);
    expect(breaker.stats().failures).toBe(1);
    expect(metrics.snapshot().commands[0]?.outcomes.timeout).toBe(1);
  });

  it('gives a blocking command its own timeout on top of the deadline, and none for 0', () => {
    const { send, guard, advance } = setup({ timeoutMs: 500 });
    send('blpop', ['queue', '2']);
    send('blpop', ['queue', '0']);
    advance(2_499);
    expect(guard.sweep()).toBe(0);
    advance(1);
    expect(guard.sweep()).toBe(1);
    advance(1_000_000);
    expect(guard.sweep()).toBe(0);
    expect(guard.inFlight).toBe(1);
  });

  it('admits a pipeline as a whole: one probe in half-open, every member written', async () => {
    const { send, instance, breaker, advance } = setup();
    breaker.open({ durationMs: 10 });
    advance(20);
    expect(breaker.state).toBe('half-open');
    const stream = { isPipeline: true };
    const members = [send('set', ['a', '1'], stream), send('set', ['b', '2'], stream)];
    expect(instance.written).toEqual(members);
    // The probe slot is taken by the pipeline: a lone command is refused meanwhile.
    const lone = send('get', ['a']);
    expect(
      CircuitOpenError.isInstance(((await outcomeOf(lone.promise)) as { error: unknown }).error),
    ).toBe(true);
    for (const member of members) member.resolve('OK');
    await Promise.all(members.map((member) => member.promise));
    await Promise.resolve();
    expect(breaker.state).toBe('closed');
  });

  it('refuses every member of a pipeline when the breaker refuses its first', async () => {
    const { send, instance, breaker } = setup();
    breaker.open();
    const stream = { isPipeline: true };
    const members = [send('set', ['a', '1'], stream), send('get', ['a'], stream)];
    const results = await Promise.all(members.map((member) => outcomeOf(member.promise)));
    expect(
      results.every((result) => CircuitOpenError.isInstance((result as { error: unknown }).error)),
    ).toBe(true);
    expect(instance.written).toEqual([]);
  });

  it('lets connection set-up commands through even while the breaker is open', () => {
    const { send, instance, breaker } = setup();
    breaker.open();
    const auth = send('auth', ['user', 'secret']);
    expect(instance.written).toEqual([auth]);
  });

  it('does not write a timed-out command flushed later from an offline queue', async () => {
    const { send, instance, guard, advance } = setup({ timeoutMs: 100 });
    const command = send('set', ['key', 'value']);
    advance(100);
    guard.sweep();
    await outcomeOf(command.promise);
    instance.written.length = 0;
    instance.sendCommand(command);
    expect(instance.written).toEqual([]);
  });

  it('passes already-guarded commands on unchanged (cluster node, resend)', () => {
    const { send, instance, guard } = setup();
    const command = send('get', ['key']);
    instance.sendCommand(command);
    expect(instance.written).toEqual([command, command]);
    expect(guard.inFlight).toBe(1);
  });

  it('sends a cluster command the cluster gave up on a lost connection again, within the deadline', async () => {
    vi.useFakeTimers();
    try {
      let now = 1_000;
      const breaker = new CircuitBreaker({ isFailure: isConnectionFailure, clock: () => now });
      const guard = new CommandGuard({
        breaker,
        commandTimeoutMs: 500,
        metrics: new CommandMetrics(),
        isFailure: isConnectionFailure,
        clock: () => now,
        clusterRetryDelayMs: 100,
      });
      const cluster = Object.assign(new FakeInstance(), { isCluster: true, nodes: () => [] });
      guard.attach(cluster);
      const command = new Command('set', ['k', 'v']) as unknown as CommandLike;
      command.promise.catch(() => {});
      cluster.sendCommand(command);
      command.reject(new Error('Connection is closed.'));
      expect(cluster.written).toHaveLength(1);
      now += 100;
      vi.advanceTimersByTime(100);
      expect(cluster.written).toHaveLength(2);
      command.resolve('OK');
      await expect(command.promise).resolves.toBe('OK');
      // Past the deadline it is not sent again: the caller gets the error.
      const late = new Command('set', ['k', 'v']) as unknown as CommandLike;
      late.promise.catch(() => {});
      cluster.sendCommand(late);
      now += 450;
      late.reject(new Error('Connection is closed.'));
      await expect(late.promise).rejects.toThrow('Connection is closed.');
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails everything pending and every new command once closed', async () => {
    const { send, guard } = setup();
    const pending = send('get', ['key']);
    guard.close();
    const results = [await outcomeOf(pending.promise), await outcomeOf(send('get', ['x']).promise)];
    for (const result of results) {
      expect(ConnectionClosedError.isInstance((result as { error: unknown }).error)).toBe(true);
    }
  });
});
