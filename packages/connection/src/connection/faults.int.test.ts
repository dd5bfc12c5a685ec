import { keySlot } from '@redgrid/core';
import type { ClusterTopology, SentinelTopology, StandaloneTopology } from '@redgrid/redis-harness';
import { afterEach, describe, expect, it } from 'vitest';
import { type StartedTopology, startTopology } from '../test-support/topologies.js';
import { WriteLoad } from '../test-support/write-load.js';
import { createConnection } from './create-connection.js';
import type { RedisConnection } from './redis-connection.js';

// Fault scenarios under a steady load of 50 concurrent writers. Each prints a one-line JSON
// summary (errors surfaced to callers, the longest a single command took, acknowledged writes
// lost) and asserts the targets of issue 4.

const writers = 50;
let started: StartedTopology | undefined;
let connection: RedisConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await started?.stop();
  connection = undefined;
  started = undefined;
});

function report(scenario: string, figures: Record<string, unknown>): void {
  console.log(JSON.stringify({ scenario, ...figures }));
}

/** Waits until the load has acknowledged `count` more writes than now. */
async function progress(topology: StartedTopology['topology'], load: WriteLoad, count: number) {
  const target = load.acknowledged.length + count;
  await topology.waitFor(() => load.acknowledged.length >= target, {
    timeoutMs: 30_000,
    intervalMs: 20,
    message: `${count} more acknowledged writes`,
  });
}

describe('faults under load', () => {
  it('(a) kill the Sentinel master: no error, no lost write, stall within failover + 1 s', async () => {
    started = await startTopology('sentinel', {
      options: { commandTimeoutMs: 15_000, maxRetriesPerRequest: null },
    });
    const topology = started.topology as SentinelTopology;
    connection = createConnection(started.config);
    const failovers: unknown[] = [];
    connection.on('failover', (event) => failovers.push(event));
    await connection.connect();
    const load = new WriteLoad(connection.client, { writers, prefix: 'a' });
    load.start();
    await progress(topology, load, 2_000);

    const master = await topology.master();
    const killedAt = performance.now();
    await topology.kill(master);
    await topology.waitFor(async () => (await topology.master()).id !== master.id, {
      timeoutMs: 30_000,
      intervalMs: 20,
      message: 'a replica promoted by the sentinels',
    });
    const failoverMs = Math.round(performance.now() - killedAt);
    await progress(topology, load, 2_000);
    const summary = await load.stop();
    const lost = await load.lostWrites();
    report('sentinel-master-killed', { failoverMs, ...summary, lost, failovers: failovers.length });

    expect(summary.errors).toBe(0);
    expect(lost).toBe(0);
    expect(summary.longestStallMs).toBeLessThanOrEqual(failoverMs + 1_000);
    expect(failovers.length).toBeGreaterThanOrEqual(1);
    expect(connection.health().currentMaster?.port).not.toBe(master.port);
  });

  it('(b) kill a cluster master: no error, no lost write, stall within failover + 1 s', async () => {
    started = await startTopology('cluster', {
      options: { commandTimeoutMs: 15_000, maxRetriesPerRequest: null },
    });
    const topology = started.topology as ClusterTopology;
    connection = createConnection(started.config);
    const failovers: unknown[] = [];
    connection.on('failover', (event) => failovers.push(event));
    await connection.connect();
    const load = new WriteLoad(connection.client, { writers, prefix: 'b' });
    load.start();
    await progress(topology, load, 2_000);

    const slot = keySlot('b:0:0');
    const victim = await topology.masterFor(slot);
    const killedAt = performance.now();
    await topology.kill(victim);
    await topology.waitFor(async () => (await topology.masterFor(slot)).id !== victim.id, {
      timeoutMs: 30_000,
      intervalMs: 20,
      message: 'a replica promoted for the slots of the killed master',
    });
    const failoverMs = Math.round(performance.now() - killedAt);
    await progress(topology, load, 2_000);
    const summary = await load.stop();
    const lost = await load.lostWrites();
    report('cluster-master-killed', { failoverMs, ...summary, lost, failovers: failovers.length });

    expect(summary.errors).toBe(0);
    expect(lost).toBe(0);
    expect(summary.longestStallMs).toBeLessThanOrEqual(failoverMs + 1_000);
  });

  it('(c) pause a server longer than the command timeout: breaker opens in one timeout, closes on the first probe after resume', async () => {
    const commandTimeoutMs = 500;
    started = await startTopology('standalone', {
      options: { commandTimeoutMs, maxRetriesPerRequest: null },
    });
    const topology = started.topology as StandaloneTopology;
    connection = createConnection(started.config, {
      breaker: { openDurationMs: 500, maxOpenDurationMs: 1_000 },
    });
    const events: Array<{ to: string; reason?: string; at: number }> = [];
    connection.on('breaker', ({ to, reason }) =>
      events.push({ to, ...(reason === undefined ? {} : { reason }), at: performance.now() }),
    );
    await connection.connect();
    const load = new WriteLoad(connection.client, { writers, prefix: 'c' });
    load.start();
    await progress(topology, load, 2_000);

    const pausedAt = performance.now();
    await topology.pause(topology.node);
    await topology.waitFor(() => connection?.breaker.state === 'open', {
      timeoutMs: 10_000,
      intervalMs: 10,
      message: 'breaker open',
    });
    const openedAfterMs = Math.round(
      (events.find((event) => event.to === 'open')?.at ?? 0) - pausedAt,
    );
    // Stay paused well past the timeout, through several half-open probes that time out.
    await topology.waitFor(
      () => events.filter((event) => event.reason === 'probe-failed').length >= 2,
      { timeoutMs: 20_000, intervalMs: 10, message: 'two failed half-open probes' },
    );
    const resumedAt = performance.now();
    await topology.resume(topology.node);
    await topology.waitFor(() => connection?.breaker.state === 'closed', {
      timeoutMs: 10_000,
      intervalMs: 10,
      message: 'breaker closed again',
    });
    const closedAfterResumeMs = Math.round(
      (events.findLast((event) => event.to === 'closed')?.at ?? 0) - resumedAt,
    );
    await progress(topology, load, 1_000);
    const summary = await load.stop();
    const lost = await load.lostWrites();
    const failedProbesAfterResume = events.filter(
      (event) => event.at > resumedAt && event.reason === 'probe-failed',
    ).length;
    report('standalone-paused', {
      commandTimeoutMs,
      pausedMs: Math.round(resumedAt - pausedAt),
      openedAfterMs,
      closedAfterResumeMs,
      failedProbesAfterResume,
      ...summary,
      lost,
    });

    const sweepSlackMs = 150;
    expect(openedAfterMs).toBeLessThanOrEqual(commandTimeoutMs + sweepSlackMs);
    expect(failedProbesAfterResume).toBe(0);
    expect(lost).toBe(0);
  });

  it('(d) stop the server, then start it again: fail fast while down, recover, lose nothing acknowledged', async () => {
    started = await startTopology('standalone', {
      // Persist every acknowledged write before replying, so a restart keeps them.
      args: ['--appendonly', 'yes', '--appendfsync', 'always'],
      options: { commandTimeoutMs: 1_000, maxRetriesPerRequest: null },
    });
    const topology = started.topology as StandaloneTopology;
    connection = createConnection(started.config, { breaker: { openDurationMs: 500 } });
    await connection.connect();
    const states: string[] = [];
    connection.on('state', ({ to }) => states.push(to));
    const load = new WriteLoad(connection.client, { writers, prefix: 'd' });
    load.start();
    await progress(topology, load, 2_000);

    const stoppedAt = performance.now();
    await topology.kill(topology.node);
    await topology.waitFor(() => connection?.breaker.state === 'open', {
      timeoutMs: 10_000,
      intervalMs: 10,
      message: 'breaker open',
    });
    const openedAfterMs = Math.round(performance.now() - stoppedAt);
    const restartedAt = performance.now();
    await topology.restart(topology.node);
    await progress(topology, load, 2_000);
    const recoveredAfterRestartMs = Math.round(performance.now() - restartedAt);
    const summary = await load.stop();
    const lost = await load.lostWrites();
    report('standalone-restarted', {
      downMs: Math.round(restartedAt - stoppedAt),
      openedAfterMs,
      recoveredAfterRestartMs,
      ...summary,
      lost,
      states: [...new Set(states)],
    });

    expect(lost).toBe(0);
    expect(states).toContain('down');
    expect(connection.state).toBe('ready');
  });
});
