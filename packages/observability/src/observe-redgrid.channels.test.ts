import { tracingChannel } from 'node:diagnostics_channel';
import { CommandTimeoutError, publish, redgridChannel } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { MalformedMessageError } from './errors/malformed-message-error.js';
import { exporters } from './test-support/exporters.js';
import { sampleValue } from './test-support/exposition.js';

// Every channel of the contract, published synthetically (core's `publish`, as components do),
// read back from a prom-client registry's text exposition.

const { observe } = exporters();

describe('observeRedGrid() records every redgrid:* channel', () => {
  it('redgrid:command: counts by outcome, times what was sent, counts error codes', async () => {
    const { text } = await observe();
    const command = (outcome: 'success' | 'timeout' | 'rejected', durationMs: number) =>
      publish('redgrid:command', {
        connection: 'main',
        command: 'GET',
        outcome,
        durationMs,
        ...(outcome === 'success'
          ? {}
          : { errorCode: outcome === 'timeout' ? 'ERR_COMMAND_TIMEOUT' : 'ERR_CIRCUIT_OPEN' }),
      });
    command('success', 0.4);
    command('success', 3);
    command('timeout', 1000);
    command('rejected', 0);
    const body = await text();
    const labels = { connection: 'main', command: 'GET' };
    expect(sampleValue(body, 'redgrid_commands_total', { ...labels, outcome: 'success' })).toBe(2);
    expect(sampleValue(body, 'redgrid_commands_total', { ...labels, outcome: 'timeout' })).toBe(1);
    expect(sampleValue(body, 'redgrid_commands_total', { ...labels, outcome: 'rejected' })).toBe(1);
    // Rejected commands were never sent: not in the latency histogram.
    expect(sampleValue(body, 'redgrid_command_duration_seconds_count', labels)).toBe(3);
    expect(sampleValue(body, 'redgrid_command_duration_seconds_sum', labels)).toBeCloseTo(
      1.0034,
      6,
    );
    expect(
      sampleValue(body, 'redgrid_command_duration_seconds_bucket', { ...labels, le: '0.0005' }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_command_duration_seconds_bucket', { ...labels, le: '1' }),
    ).toBe(3);
    expect(
      sampleValue(body, 'redgrid_command_errors_total', {
        connection: 'main',
        code: 'ERR_CIRCUIT_OPEN',
      }),
    ).toBe(1);
  });

  it('redgrid:connection:state: the current state, up, and transitions', async () => {
    const { text } = await observe();
    const change = (from: string, to: string) =>
      publish('redgrid:connection:state', { connection: 'main', from, to, reason: 'test' });
    change('connecting', 'ready');
    change('ready', 'down');
    let body = await text();
    expect(
      sampleValue(body, 'redgrid_connection_state', { connection: 'main', state: 'down' }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_connection_state', { connection: 'main', state: 'ready' }),
    ).toBe(0);
    expect(sampleValue(body, 'redgrid_connection_up', { connection: 'main' })).toBe(0);
    change('down', 'ready');
    body = await text();
    expect(sampleValue(body, 'redgrid_connection_up', { connection: 'main' })).toBe(1);
    expect(
      sampleValue(body, 'redgrid_connection_transitions_total', {
        connection: 'main',
        to: 'ready',
      }),
    ).toBe(2);
  });

  it('redgrid:breaker: state 0/1/2 and transitions with the reason', async () => {
    const { text } = await observe();
    publish('redgrid:breaker', {
      name: 'main',
      from: 'closed',
      to: 'open',
      reason: 'unreachable',
      openForMs: 1000,
    });
    let body = await text();
    expect(sampleValue(body, 'redgrid_breaker_state', { name: 'main' })).toBe(2);
    expect(
      sampleValue(body, 'redgrid_breaker_transitions_total', {
        name: 'main',
        to: 'open',
        reason: 'unreachable',
      }),
    ).toBe(1);
    publish('redgrid:breaker', { name: 'main', from: 'open', to: 'half-open' });
    expect(sampleValue(await text(), 'redgrid_breaker_state', { name: 'main' })).toBe(1);
    publish('redgrid:breaker', { name: 'main', from: 'half-open', to: 'closed' });
    body = await text();
    expect(sampleValue(body, 'redgrid_breaker_state', { name: 'main' })).toBe(0);
    // No reason: no label (not an empty one).
    expect(
      sampleValue(body, 'redgrid_breaker_transitions_total', { name: 'main', to: 'closed' }),
    ).toBe(1);
  });

  it('redgrid:failover: by phase', async () => {
    const { text } = await observe();
    publish('redgrid:failover', { connection: 'main', phase: 'started' });
    publish('redgrid:failover', {
      connection: 'main',
      phase: 'switched',
      from: { host: '10.0.0.1', port: 6379 },
      to: { host: '10.0.0.2', port: 6379 },
    });
    const body = await text();
    expect(
      sampleValue(body, 'redgrid_failovers_total', { connection: 'main', phase: 'started' }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_failovers_total', { connection: 'main', phase: 'switched' }),
    ).toBe(1);
  });

  it('redgrid:degradation: the degraded gauge, outages and their duration', async () => {
    const { text } = await observe();
    const labels = { component: 'rate-limit', name: 'api' };
    publish('redgrid:degradation', { ...labels, event: 'degraded', errorCode: 'ECONNREFUSED' });
    let body = await text();
    expect(sampleValue(body, 'redgrid_degraded', labels)).toBe(1);
    expect(sampleValue(body, 'redgrid_outages_total', labels)).toBe(1);
    publish('redgrid:degradation', { ...labels, event: 'recovered', outageMs: 12_000 });
    body = await text();
    expect(sampleValue(body, 'redgrid_degraded', labels)).toBe(0);
    expect(sampleValue(body, 'redgrid_outage_duration_seconds_sum', labels)).toBe(12);
    expect(
      sampleValue(body, 'redgrid_outage_duration_seconds_bucket', { ...labels, le: '10' }),
    ).toBe(0);
    expect(
      sampleValue(body, 'redgrid_outage_duration_seconds_bucket', { ...labels, le: '30' }),
    ).toBe(1);
  });

  it('redgrid:rate-limit: by result and decider', async () => {
    const { text } = await observe();
    const check = (allowed: boolean, decidedBy: 'redis' | 'memory') =>
      publish('redgrid:rate-limit', {
        limiter: 'api',
        algorithm: 'sliding-window',
        allowed,
        decidedBy,
      });
    check(true, 'redis');
    check(true, 'redis');
    check(false, 'memory');
    const body = await text();
    const labels = { limiter: 'api', algorithm: 'sliding-window' };
    expect(
      sampleValue(body, 'redgrid_rate_limit_checks_total', {
        ...labels,
        allowed: 'true',
        decided_by: 'redis',
      }),
    ).toBe(2);
    expect(
      sampleValue(body, 'redgrid_rate_limit_checks_total', {
        ...labels,
        allowed: 'false',
        decided_by: 'memory',
      }),
    ).toBe(1);
  });

  it('redgrid:cache: by result', async () => {
    const { text } = await observe();
    for (const result of ['l1', 'l1', 'l2', 'miss'] as const) {
      publish('redgrid:cache', { cache: 'users', result });
    }
    const body = await text();
    expect(sampleValue(body, 'redgrid_cache_reads_total', { cache: 'users', result: 'l1' })).toBe(
      2,
    );
    expect(sampleValue(body, 'redgrid_cache_reads_total', { cache: 'users', result: 'miss' })).toBe(
      1,
    );
  });

  it('redgrid:memory: every figure per node', async () => {
    const { text } = await observe();
    publish('redgrid:memory', {
      connection: 'main',
      node: '10.0.0.1:6379',
      usedBytes: 900,
      maxBytes: 1000,
      ratio: 0.9,
      evictedKeys: 7,
      fragmentationRatio: 1.2,
      warning: true,
    });
    const body = await text();
    const labels = { connection: 'main', node: '10.0.0.1:6379' };
    expect(sampleValue(body, 'redgrid_memory_used_bytes', labels)).toBe(900);
    expect(sampleValue(body, 'redgrid_memory_max_bytes', labels)).toBe(1000);
    expect(sampleValue(body, 'redgrid_memory_ratio', labels)).toBe(0.9);
    expect(sampleValue(body, 'redgrid_memory_warning', labels)).toBe(1);
    expect(sampleValue(body, 'redgrid_memory_fragmentation_ratio', labels)).toBe(1.2);
    expect(sampleValue(body, 'redgrid_evicted_keys', labels)).toBe(7);
  });

  it('redgrid:migration: running, progress and phases', async () => {
    const { text } = await observe();
    const step = (phase: 'start' | 'progress' | 'complete', done: number) =>
      publish('redgrid:migration', { kind: 'cluster', phase, done, total: 4096, unit: 'slots' });
    step('start', 0);
    step('progress', 1024);
    let body = await text();
    expect(sampleValue(body, 'redgrid_migration_running', { kind: 'cluster' })).toBe(1);
    expect(sampleValue(body, 'redgrid_migration_done', { kind: 'cluster', unit: 'slots' })).toBe(
      1024,
    );
    expect(sampleValue(body, 'redgrid_migration_planned', { kind: 'cluster', unit: 'slots' })).toBe(
      4096,
    );
    step('complete', 4096);
    body = await text();
    expect(sampleValue(body, 'redgrid_migration_running', { kind: 'cluster' })).toBe(0);
    expect(sampleValue(body, 'redgrid_migrations_total', { kind: 'cluster', phase: 'start' })).toBe(
      1,
    );
    expect(
      sampleValue(body, 'redgrid_migrations_total', { kind: 'cluster', phase: 'complete' }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_migrations_total', { kind: 'cluster', phase: 'progress' }),
    ).toBeUndefined();
  });

  it('redgrid:admin: by act and outcome, never the target or details', async () => {
    const { text } = await observe();
    publish('redgrid:admin', {
      act: 'credentials-rotated',
      outcome: 'succeeded',
      target: 'main',
      details: { username: 'app' },
    });
    const body = await text();
    expect(
      sampleValue(body, 'redgrid_admin_acts_total', {
        act: 'credentials-rotated',
        outcome: 'succeeded',
      }),
    ).toBe(1);
    expect(body).not.toContain('username');
  });
});

describe('observeRedGrid() records ioredis 6.1 tracing channels', () => {
  const context = (command: string) => ({
    command,
    args: ['user:42:session', '?'],
    database: 0,
    serverAddress: '10.0.0.1',
    serverPort: 6379,
  });
  const replyError = Object.assign(new Error('WRONGTYPE Operation against a key'), {
    name: 'ReplyError',
  });

  it('counts and times commands per node, with ioredis outcomes mapped to RedGrid names', async () => {
    const { text } = await observe();
    const commands = tracingChannel('ioredis:command');
    await commands.tracePromise(async () => 'OK', context('set'));
    await commands.tracePromise(async () => 'value', context('get'));
    await commands
      .tracePromise(async () => Promise.reject(replyError), context('get'))
      .catch(() => undefined);
    await commands
      .tracePromise(
        async () => Promise.reject(new CommandTimeoutError({ command: 'GET', timeoutMs: 1000 })),
        context('get'),
      )
      .catch(() => undefined);
    await commands
      .tracePromise(async () => Promise.reject(new Error('Connection is closed.')), context('get'))
      .catch(() => undefined);
    const body = await text();
    const labels = { node: '10.0.0.1:6379', command: 'GET' };
    for (const [outcome, count] of [
      ['success', 1],
      ['reply-error', 1],
      ['timeout', 1],
      ['failure', 1],
    ] as const) {
      expect(
        sampleValue(body, 'redgrid_node_commands_total', { ...labels, outcome }),
        outcome,
      ).toBe(count);
    }
    expect(sampleValue(body, 'redgrid_node_command_duration_seconds_count', labels)).toBe(4);
    expect(
      sampleValue(body, 'redgrid_node_commands_total', {
        node: '10.0.0.1:6379',
        command: 'SET',
        outcome: 'success',
      }),
    ).toBe(1);
    // The sanitized arguments are never read.
    expect(body).not.toContain('user:42');
    // Nothing of the wire view goes into the caller's view: no double counting.
    expect(body).not.toMatch(/^redgrid_commands_total\{/m);
  });

  it('counts transactions and connects per node; a Unix socket is its path', async () => {
    const { text } = await observe();
    await tracingChannel('ioredis:batch').tracePromise(async () => [], {
      batchMode: 'MULTI',
      batchSize: 2,
      database: 0,
      serverAddress: '10.0.0.1',
      serverPort: 6379,
    });
    await tracingChannel('ioredis:connect')
      .tracePromise(async () => Promise.reject(new Error('connect ECONNREFUSED')), {
        serverAddress: '/tmp/redis.sock',
        serverPort: undefined,
        connectionEpoch: 1,
      })
      .catch(() => undefined);
    const body = await text();
    expect(
      sampleValue(body, 'redgrid_node_transactions_total', {
        node: '10.0.0.1:6379',
        outcome: 'success',
      }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_node_transaction_duration_seconds_count', {
        node: '10.0.0.1:6379',
      }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_node_connects_total', {
        node: '/tmp/redis.sock',
        outcome: 'failure',
      }),
    ).toBe(1);
  });

  it('ignores a trace that started before it subscribed', async () => {
    let settle: (value: string) => void = () => undefined;
    const commands = tracingChannel('ioredis:command');
    // Another subscriber keeps the channel traced while RedGrid is not there yet.
    const early = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    commands.subscribe(early);
    try {
      const pending = commands.tracePromise(
        () => new Promise<string>((resolve) => (settle = resolve)),
        context('get'),
      );
      const { text } = await observe();
      settle('value');
      await pending;
      expect(
        sampleValue(await text(), 'redgrid_node_commands_total', {
          node: '10.0.0.1:6379',
          command: 'GET',
          outcome: 'success',
        }),
      ).toBeUndefined();
    } finally {
      commands.unsubscribe(early);
    }
  });
});

describe('observeRedGrid() never throws into a publisher', () => {
  it('counts a malformed message, reports it to onError, and keeps recording', async () => {
    const reported: Array<[unknown, string]> = [];
    const { text, metrics } = await observe({
      onError: (error, channel) => reported.push([error, channel]),
    });
    const malformed = {
      connection: 'main',
      command: 'GET',
      outcome: 'success',
      durationMs: 'soon',
    };
    expect(() => redgridChannel('redgrid:command').publish(malformed)).not.toThrow();
    publish('redgrid:command', {
      connection: 'main',
      command: 'GET',
      outcome: 'success',
      durationMs: 1,
    });
    const body = await text();
    expect(
      sampleValue(body, 'redgrid_observability_errors_total', { channel: 'redgrid:command' }),
    ).toBe(1);
    expect(
      sampleValue(body, 'redgrid_commands_total', {
        connection: 'main',
        command: 'GET',
        outcome: 'success',
      }),
    ).toBe(1);
    expect(metrics.errors).toBe(1);
    expect(reported).toHaveLength(1);
    expect(MalformedMessageError.isInstance(reported[0]?.[0])).toBe(true);
    expect(reported[0]?.[1]).toBe('redgrid:command');
  });

  it('ignores an onError that throws', async () => {
    const { metrics } = await observe({
      onError: () => {
        throw new Error('broken handler');
      },
    });
    expect(() =>
      redgridChannel('redgrid:breaker').publish({ name: 'x', from: 'closed', to: 'sideways' }),
    ).not.toThrow();
    expect(metrics.errors).toBe(1);
  });

  it('changes no gauge for a memory message with a bad figure', async () => {
    const { text } = await observe();
    redgridChannel('redgrid:memory').publish({
      connection: 'main',
      node: 'n:1',
      usedBytes: 5,
      maxBytes: Number.NaN,
      ratio: 0,
      evictedKeys: 0,
      fragmentationRatio: 1,
      warning: false,
    });
    expect(
      sampleValue(await text(), 'redgrid_memory_used_bytes', { connection: 'main', node: 'n:1' }),
    ).toBeUndefined();
  });
});

describe('observeRedGrid() bounds label values', () => {
  it('folds values past maxLabelValues into "other" and counts them', async () => {
    const { text } = await observe({ maxLabelValues: 3 });
    for (const command of ['GET', 'SET', 'DEL', 'HGET', 'HSET', 'GET']) {
      publish('redgrid:command', {
        connection: 'main',
        command,
        outcome: 'success',
        durationMs: 1,
      });
    }
    const body = await text();
    const commands = (name: string) =>
      sampleValue(body, 'redgrid_commands_total', {
        connection: 'main',
        command: name,
        outcome: 'success',
      });
    expect(commands('GET')).toBe(2);
    expect(commands('DEL')).toBe(1);
    expect(commands('HGET')).toBeUndefined();
    expect(commands('other')).toBe(2);
    // Two messages, each recorded in two metrics with a command label (count and duration).
    expect(
      sampleValue(body, 'redgrid_observability_label_overflow_total', { label: 'command' }),
    ).toBe(4);
  });
});
