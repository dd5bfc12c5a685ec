import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { analyzeCluster } from '../analysis/analyze-cluster.js';
import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import { buildClusterSnapshot } from './cluster-snapshot.js';
import { fixCluster, inspectCluster } from './fix-cluster.js';
import { parseClusterNodes } from './parse-cluster-nodes.js';
import { planClusterRebalance } from './plan-cluster-rebalance.js';
import { type RebalanceClusterOptions, rebalanceCluster } from './rebalance-cluster.js';

// A connection that is not a cluster: every call below must fail on its options first, before
// it even looks at the connection (which would be a ClusterAdminError `not-cluster`).
const notACluster = { client: {} };

async function badOptions(call: () => unknown): Promise<string[]> {
  let caught: unknown;
  try {
    await call();
  } catch (error) {
    caught = error;
  }
  if (!ConfigError.isInstance(caught)) throw new Error(`expected a ConfigError, got ${caught}`);
  return caught.issues.map((issue) => issue.variable);
}

describe('cluster administration options', () => {
  it('rebalanceCluster names every bad option in one ConfigError, dry run or not', async () => {
    const options = {
      by: 'bytes',
      thresholdPercent: -1,
      weights: { 'a:1': -2, 'b:2': 1 },
      remove: 'a:1',
      slotsPerBatch: 0,
      concurrency: 0,
      keysPerMigrate: 0,
      keysPerFetch: 1.5,
      migrateTimeoutMs: 10.5,
      sampleKeysPerMaster: 0,
      commandTimeoutMs: 0,
      onProgress: 1,
    } as unknown as RebalanceClusterOptions;
    const expected = [
      'options.commandTimeoutMs',
      'options.by',
      'options.thresholdPercent',
      'options.weights["a:1"]',
      'options.remove',
      'options.slotsPerBatch',
      'options.concurrency',
      'options.keysPerMigrate',
      'options.keysPerFetch',
      'options.migrateTimeoutMs',
      'options.sampleKeysPerMaster',
      'options.onProgress',
    ];
    expect(await badOptions(() => rebalanceCluster(notACluster, options))).toEqual(expected);
    expect(
      await badOptions(() => rebalanceCluster(notACluster, { ...options, dryRun: true })),
    ).toEqual(expected);
  });

  it('fixCluster, inspectCluster and analyzeCluster check their options first', async () => {
    expect(
      await badOptions(() =>
        fixCluster(notACluster, { keysPerMigrate: 0, migrateTimeoutMs: -5, commandTimeoutMs: -1 }),
      ),
    ).toEqual(['options.commandTimeoutMs', 'options.keysPerMigrate', 'options.migrateTimeoutMs']);
    expect(await badOptions(() => inspectCluster(notACluster, { commandTimeoutMs: 0 }))).toEqual([
      'options.commandTimeoutMs',
    ]);
    expect(
      await badOptions(() =>
        analyzeCluster(notACluster, { sampleKeys: -1, top: 0.5, thresholdPercent: Number.NaN }),
      ),
    ).toEqual(['options.sampleKeys', 'options.top', 'options.thresholdPercent']);
    // Good options reach the connection check.
    await expect(inspectCluster(notACluster, { commandTimeoutMs: 500 })).rejects.toThrow(
      ClusterAdminError,
    );
  });

  it('planClusterRebalance checks its options before planning', () => {
    const text = `${'1'.repeat(40)} 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-16383`;
    const snapshot = buildClusterSnapshot(
      parseClusterNodes(text),
      new Map([['1'.repeat(40), parseClusterNodes(text)]]),
    );
    expect(() =>
      planClusterRebalance(snapshot, { by: 'keys' as 'slots', thresholdPercent: -1 }),
    ).toThrow(ConfigError);
    expect(planClusterRebalance(snapshot, { by: 'slots', thresholdPercent: 0 }).needed).toBe(false);
  });
});
