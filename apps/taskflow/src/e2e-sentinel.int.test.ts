import { RedisConnectionService } from '@redgrid/nestjs';
import { type SentinelTopology, startSentinel } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningTaskflow } from './app/start-taskflow.js';
import { allKeys, runHttpScenario, startOn } from './test-support/http-scenario.js';
import { TaskflowClient, waitFor } from './test-support/taskflow-client.js';

describe('taskflow end to end on Sentinel', () => {
  let redis: SentinelTopology;
  let taskflow: RunningTaskflow | undefined;

  beforeAll(async () => {
    redis = await startSentinel();
  });

  afterAll(async () => {
    await taskflow?.close();
    await redis?.stop();
  });

  it('serves the HTTP scenario and writes only under taskflow:', async () => {
    taskflow = await startOn(redis);
    const id = await runHttpScenario(taskflow, (nodes) => expect(nodes).toBe(1));
    const keys = await allKeys(redis);
    expect(keys).toContain(`taskflow:task:${id}`);
    expect(keys.filter((key) => !key.startsWith('taskflow:'))).toEqual([]);
    await taskflow.close();
    taskflow = undefined;
  });

  it('keeps answering every request while the master is killed and replaced', async () => {
    taskflow = await startOn(redis, 10_000);
    const client = new TaskflowClient(taskflow.url);
    await waitFor(
      async () => (await client.health()).body.overall === 'healthy',
      30_000,
      'healthy',
    );
    const oldMaster = await redis.master();

    // Every request made while the master dies and is replaced, with when it ran.
    const log: Array<{ what: string; status: number; startedAt: number; endedAt: number }> = [];
    const timed = async <T extends { status: number }>(what: string, call: () => Promise<T>) => {
      const startedAt = Date.now();
      const response = await call();
      log.push({ what, status: response.status, startedAt, endedAt: Date.now() });
      return response;
    };
    let stop = false;
    const traffic = (async () => {
      for (let index = 0; !stop; index++) {
        const write = await timed('POST', () => client.create(`during failover ${index}`));
        if (write.status !== 201) continue;
        await timed('GET', () => client.get(write.body.id));
        await timed('LIST', () => client.list());
      }
    })();

    let killedAt = 0;
    let switchedAt = 0;
    try {
      await waitFor(() => log.length >= 3, 30_000, 'traffic before the kill');
      killedAt = Date.now();
      await redis.kill(oldMaster);
      let newMaster = oldMaster;
      await waitFor(
        async () => {
          newMaster = await redis.master();
          return newMaster.port !== oldMaster.port;
        },
        30_000,
        'the sentinels to promote a replica',
      );
      const connection = taskflow.app.get(RedisConnectionService).connection;
      await waitFor(
        async () =>
          (await client.health()).body.overall === 'healthy' &&
          connection.health().currentMaster?.port === newMaster.port,
        30_000,
        'taskflow to use the new master',
      );
      switchedAt = Date.now();
      await waitFor(
        () => log.filter((entry) => entry.startedAt > switchedAt).length >= 3,
        30_000,
        'traffic after the switch',
      );
    } finally {
      stop = true;
      await traffic;
    }
    expect(log.filter((entry) => entry.status >= 400)).toEqual([]);
    // Requests ran through the outage window, not only before and after it.
    const during = log.filter((entry) => entry.endedAt > killedAt && entry.startedAt < switchedAt);
    expect(during.length).toBeGreaterThan(0);
    if (process.env.TEST_DEBUG) {
      console.log(
        `failover: ${switchedAt - killedAt} ms, ${log.length} requests, ${during.length} during it, slowest ${Math.max(...log.map((entry) => entry.endedAt - entry.startedAt))} ms`,
      );
    }

    // After the switch, writes reach the new master again (not the fallback).
    const after = await client.create('after failover');
    expect(after.status).toBe(201);
    expect(after.headers.get('x-taskflow-degraded')).toBeNull();
    await waitFor(
      async () => (await allKeys(redis)).includes(`taskflow:task:${after.body.id}`),
      30_000,
      'the new task on the new master',
    );
    await taskflow.close();
    taskflow = undefined;
  });
});
