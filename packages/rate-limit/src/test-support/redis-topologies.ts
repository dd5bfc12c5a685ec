// Test support (not published): harness topologies with a RedGrid connection on them.
import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import {
  type ClusterTopology,
  type SentinelTopology,
  type StandaloneTopology,
  startCluster,
  startSentinel,
  startStandalone,
} from '@redgrid/redis-harness';
import { Redis } from 'ioredis';

/** The topologies rate-limit tests run on. */
export type TopologyKind = 'standalone' | 'cluster' | 'sentinel';

/** A harness topology, a connection on it, and plain clients to its data nodes. */
export interface StartedRedis {
  kind: TopologyKind;
  topology: StandaloneTopology | ClusterTopology | SentinelTopology;
  /**
   * The environment variables that point an application at the topology: what worker
   * processes build their connection from (`loadConfigFromEnv`), as the test's own connection.
   */
  env: Record<string, string>;
  /** A connection with the defaults a user gets from the environment alone. */
  connection: RedisConnection;
  /** Opens a plain (unguarded) client to one data node; closed by `stop()`. */
  raw(port: number): Redis;
  /** Ports of the data nodes that are masters now. */
  masterPorts(): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * Starts a harness topology and a RedGrid connection on it, configured from the topology's
 * environment variables only (`loadConfigFromEnv(topology.env())`, no connection options): the
 * tests run on the defaults users get. Call `stop()` in `afterAll`: it closes every client and
 * kills only this topology's servers.
 */
export async function startRedis(kind: TopologyKind): Promise<StartedRedis> {
  const topology =
    kind === 'standalone'
      ? await startStandalone()
      : kind === 'cluster'
        ? await startCluster()
        : await startSentinel();
  const env = topology.env();
  const connection = createConnection(loadConfigFromEnv(env));
  const clients: Redis[] = [];
  return {
    kind,
    topology,
    env,
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
      if (kind === 'sentinel') return [(await (topology as SentinelTopology).master()).port];
      return (await (topology as ClusterTopology).masters()).map((node) => node.port);
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await connection.close().catch(() => undefined);
      await topology.stop();
    },
  };
}
