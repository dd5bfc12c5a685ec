// Test support (not published): harness topologies with a RedGrid connection on them.
import { createConnection, type RedisConnection } from '@redgrid/connection';
import type { RedisConfigInput } from '@redgrid/core';
import {
  type ClusterTopology,
  type StandaloneTopology,
  startCluster,
  startStandalone,
} from '@redgrid/redis-harness';
import { Redis } from 'ioredis';

/** The topologies rate-limit tests run on. */
export type TopologyKind = 'standalone' | 'cluster';

/** A harness topology, a connection on it, and plain clients to its data nodes. */
export interface StartedRedis {
  kind: TopologyKind;
  topology: StandaloneTopology | ClusterTopology;
  config: RedisConfigInput;
  connection: RedisConnection;
  /** Opens a plain (unguarded) client to one data node; closed by `stop()`. */
  raw(port: number): Redis;
  /** Ports of the data nodes that are masters now. */
  masterPorts(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Connection options the tests use: short deadline, fast breaker, no periodic noise. */
export const testConnectionOptions = {
  healthCheckIntervalMs: 0,
  breaker: {
    consecutiveFailures: 3,
    openDurationMs: 200,
    maxOpenDurationMs: 1_000,
  },
} as const;

/**
 * Starts a harness topology and a RedGrid connection on it (short deadline, fast breaker, no
 * periodic health checks). Call `stop()` in `afterAll`: it closes every client and kills only
 * this topology's servers.
 */
export async function startRedis(
  kind: TopologyKind,
  options: { commandTimeoutMs?: number } = {},
): Promise<StartedRedis> {
  const common = { commandTimeoutMs: options.commandTimeoutMs ?? 2_000 };
  let topology: StandaloneTopology | ClusterTopology;
  let config: RedisConfigInput;
  if (kind === 'standalone') {
    const standalone = await startStandalone();
    topology = standalone;
    config = {
      type: 'single',
      options: { host: standalone.host, port: standalone.port, ...common },
    };
  } else {
    const cluster = await startCluster();
    topology = cluster;
    config = {
      type: 'cluster',
      options: {
        nodes: cluster.startupNodes.map(({ host, port }) => ({ host, port })),
        ...common,
      },
    };
  }
  const connection = createConnection(config, testConnectionOptions);
  const clients: Redis[] = [];
  return {
    kind,
    topology,
    config,
    connection,
    raw(port) {
      const client = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
      });
      // A node may be killed by the test: its reconnect errors are expected.
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async masterPorts() {
      if (kind === 'standalone') return [(topology as StandaloneTopology).port];
      return (await (topology as ClusterTopology).masters()).map((node) => node.port);
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await connection.close({ timeoutMs: 500 }).catch(() => undefined);
      await topology.stop();
    },
  };
}
