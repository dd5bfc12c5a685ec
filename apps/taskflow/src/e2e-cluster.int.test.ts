import { type ClusterTopology, startCluster } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningTaskflow } from './app/start-taskflow.js';
import { allKeys, runHttpScenario, startOn } from './test-support/http-scenario.js';

describe('taskflow end to end on a Redis Cluster', () => {
  let redis: ClusterTopology;
  let taskflow: RunningTaskflow | undefined;

  beforeAll(async () => {
    redis = await startCluster();
  });

  afterAll(async () => {
    await taskflow?.close();
    await redis?.stop();
  });

  it('serves the HTTP scenario and writes only under taskflow:', async () => {
    taskflow = await startOn(redis);
    const id = await runHttpScenario(taskflow, (nodes) => {
      // Masters plus the replicas ioredis holds connections to (all six once it has refreshed).
      expect(nodes).toBeGreaterThanOrEqual(3);
      expect(nodes).toBeLessThanOrEqual(6);
    });
    const keys = await allKeys(redis);
    expect(keys).toContain(`taskflow:task:${id}`);
    expect(keys.filter((key) => !key.startsWith('taskflow:'))).toEqual([]);
    await taskflow.close();
    taskflow = undefined;
  });
});
