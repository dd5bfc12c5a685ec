import { keySlot, loadConfigFromEnv } from '@redgrid/core';
import type { ClusterTopology, SentinelTopology, StandaloneTopology } from '@redgrid/redis-harness';
import { afterEach, describe, expect, it } from 'vitest';
import { type StartedTopology, startTopology } from '../test-support/topologies.js';
import { WriteLoad } from '../test-support/write-load.js';
import { createConnection } from './create-connection.js';
import type { RedisConnection } from './redis-connection.js';

// Fault scenarios under a steady load of 50 concurrent writers, with the configuration a user
// gets from the environment variables alone (loadConfigFromEnv, no connection options). Each
// prints a one-line JSON summary (errors surfaced to callers, the longest a single command
// took, acknowledged writes lost). The stall bound of (a) and (b) is relative to the failover
// as this process observed it (both measured on the same event loop), not an absolute time.

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
    started = await startTopology('sentinel');
    const topology = started.topology as SentinelTopology;
    connection = createConnection(loadConfigFromEnv(topology.env()));
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
    started = await startTopology('cluster');
    const topology = started.topology as ClusterTopology;
    connection = createConnection(loadConfigFromEnv(topology.env()));
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

  it('(b2) cut every cluster connection at once, three times: no error, no lost write', async () => {
    started = await startTopology('cluster');
    const current = started;
    const topology = current.topology as ClusterTopology;
    connection = createConnection(loadConfigFromEnv(topology.env()));
    await connection.connect();
    const load = new WriteLoad(connection.client, { writers, prefix: 'b2' });
    load.start();
    await progress(topology, load, 2_000);
    // A network blip: every node drops the application's connections together, so the cluster
    // client itself goes through reconnecting (CLIENT KILL spares the cluster bus).
    for (let cut = 0; cut < 3; cut++) {
      await Promise.all(
        topology.nodes.map((node) => current.raw(node).call('CLIENT', 'KILL', 'TYPE', 'normal')),
      );
      await progress(topology, load, 1_000);
    }
    const summary = await load.stop();
    const lost = await load.lostWrites();
    report('cluster-connections-cut', { ...summary, lost });

    expect(summary.errors).toBe(0);
    expect(lost).toBe(0);
  });

  it('(c) pause a server past the deadline: callers get the deadline, then fail fast; the first probe after resume closes the breaker', async () => {
    started = await startTopology('standalone');
    const topology = started.topology as StandaloneTopology;
    const config = loadConfigFromEnv(topology.env());
    connection = createConnection(config);
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
      timeoutMs: 60_000,
      intervalMs: 10,
      message: 'breaker open',
    });
    const openedAfterMs = Math.round(
      (events.find((event) => event.to === 'open')?.at ?? 0) - pausedAt,
    );
    // Stay paused through a half-open probe that times out too.
    await topology.waitFor(() => events.some((event) => event.reason === 'probe-failed'), {
      timeoutMs: 60_000,
      intervalMs: 10,
      message: 'a failed half-open probe',
    });
    const resumedAt = performance.now();
    await topology.resume(topology.node);
    await topology.waitFor(() => connection?.breaker.state === 'closed', {
      timeoutMs: 90_000,
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
      commandTimeoutMs: config.options.commandTimeoutMs,
      pausedMs: Math.round(resumedAt - pausedAt),
      openedAfterMs,
      closedAfterResumeMs,
      failedProbesAfterResume,
      ...summary,
      lost,
    });

    // Callers saw the deadline (the commands in flight when the server hung), then the open
    // breaker at once: nothing else, and nothing acknowledged was lost.
    expect(Object.keys(summary.errorKinds).sort()).toEqual([
      'ERR_CIRCUIT_OPEN',
      'ERR_COMMAND_TIMEOUT',
    ]);
    expect(summary.errorKinds.ERR_CIRCUIT_OPEN).toBeGreaterThan(
      summary.errorKinds.ERR_COMMAND_TIMEOUT ?? 0,
    );
    expect(failedProbesAfterResume).toBe(0);
    expect(lost).toBe(0);
  });

  it('(d) stop the server, then start it again: fail fast while down, recover, lose nothing acknowledged', async () => {
    started = await startTopology('standalone', {
      // Persist every acknowledged write before replying, so a restart keeps them.
      args: ['--appendonly', 'yes', '--appendfsync', 'always'],
    });
    const topology = started.topology as StandaloneTopology;
    connection = createConnection(loadConfigFromEnv(topology.env()));
    await connection.connect();
    const states: string[] = [];
    connection.on('state', ({ to }) => states.push(to));
    const openReasons: string[] = [];
    connection.on('breaker', ({ to, reason }) => {
      if (to === 'open') openReasons.push(reason ?? 'unknown');
    });
    const load = new WriteLoad(connection.client, { writers, prefix: 'd' });
    load.start();
    await progress(topology, load, 2_000);

    const stoppedAt = performance.now();
    await topology.kill(topology.node);
    await topology.waitFor(() => connection?.breaker.state === 'open', {
      timeoutMs: 60_000,
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
      openReasons,
    });

    expect(lost).toBe(0);
    expect(states).toContain('down');
    expect(connection.state).toBe('ready');
    // Opened because the server stayed unreachable for a whole deadline (not after enough
    // callers had each waited out their own deadline).
    expect(openReasons[0]).toBe('unreachable');
    // While it was down, callers got the deadline, then the open breaker: nothing else.
    expect(Object.keys(summary.errorKinds).sort()).toEqual([
      'ERR_CIRCUIT_OPEN',
      'ERR_COMMAND_TIMEOUT',
    ]);
  });
});
