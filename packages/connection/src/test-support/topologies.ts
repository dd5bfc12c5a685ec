// Test support (not published): starts harness topologies and describes them as RedGrid
// configs, so one test body runs against a single server, a Cluster and Sentinel alike.
import type { Address, RedisConfigInput } from '@redgrid/core';
import {
  type ClusterTopology,
  type SentinelTopology,
  type StandaloneTopology,
  startCluster,
  startSentinel,
  startStandalone,
} from '@redgrid/redis-harness';
import { Redis } from 'ioredis';

/** The three topologies of the shared suite. */
export type TopologyKind = 'standalone' | 'cluster' | 'sentinel';

/** Options every topology accepts in these tests. */
export interface StartOptions {
  password?: string;
  aclUsers?: Array<{ name: string; password: string; rules?: string }>;
  tls?: boolean;
  /** Extra redis-server arguments (standalone only), e.g. `['--appendonly', 'yes']`. */
  args?: string[];
  /** Extra fields of the RedGrid config's `options`. */
  options?: Record<string, unknown>;
}

/** A started topology plus the config that points RedGrid at it. */
export interface StartedTopology {
  kind: TopologyKind;
  topology: StandaloneTopology | ClusterTopology | SentinelTopology;
  config: RedisConfigInput;
  /** Addresses of the data nodes that are masters now. */
  masters(): Promise<Address[]>;
  /** A plain ioredis client (not guarded) to one data node, for server-side checks. */
  raw(address: Address): Redis;
  stop(): Promise<void>;
}

export async function startTopology(
  kind: TopologyKind,
  options: StartOptions = {},
): Promise<StartedTopology> {
  const harnessOptions = {
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.aclUsers === undefined ? {} : { aclUsers: options.aclUsers }),
    ...(options.tls === true ? { tls: true } : {}),
  };
  const common: Record<string, unknown> = {
    ...(options.password === undefined ? {} : { password: options.password }),
    ...options.options,
  };
  let topology: StandaloneTopology | ClusterTopology | SentinelTopology;
  let config: RedisConfigInput;
  let masters: () => Promise<Address[]>;
  if (kind === 'standalone') {
    const standalone = await startStandalone({
      ...harnessOptions,
      ...(options.args === undefined ? {} : { args: options.args }),
    });
    topology = standalone;
    config = {
      type: 'single',
      options: { host: standalone.host, port: standalone.port, ...common },
    };
    masters = async () => [{ host: standalone.host, port: standalone.port }];
  } else if (kind === 'cluster') {
    const cluster = await startCluster(harnessOptions);
    topology = cluster;
    config = {
      type: 'cluster',
      options: { nodes: cluster.startupNodes.map(({ host, port }) => ({ host, port })), ...common },
    };
    masters = async () => (await cluster.masters()).map(({ host, port }) => ({ host, port }));
  } else {
    const sentinel = await startSentinel(harnessOptions);
    topology = sentinel;
    config = {
      type: 'sentinel',
      options: {
        sentinels: sentinel.sentinelAddresses.map(({ host, port }) => ({ host, port })),
        name: sentinel.masterName,
        ...common,
      },
    };
    masters = async () => {
      const master = await sentinel.master();
      return [{ host: master.host, port: master.port }];
    };
  }
  if (options.tls === true) {
    const material = topology.tls;
    if (material === undefined) throw new Error('harness started without TLS material');
    (config.options as Record<string, unknown>).tls = {
      caPath: material.caPath,
      certPath: material.certPath,
      keyPath: material.keyPath,
    };
  }
  const rawClients: Redis[] = [];
  return {
    kind,
    topology,
    config,
    masters,
    raw(address) {
      const material = topology.tls;
      const client = new Redis({
        host: address.host,
        port: address.port,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        ...(options.password === undefined ? {} : { password: options.password }),
        ...(material === undefined ? {} : { tls: { ca: material.ca } }),
      });
      client.on('error', () => {});
      rawClients.push(client);
      return client;
    },
    async stop() {
      for (const client of rawClients) client.disconnect();
      await topology.stop();
    },
  };
}

/** `calls` of one command in INFO commandstats of a server. */
export async function commandCalls(client: Redis, command: string): Promise<number> {
  const info = await client.info('commandstats');
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return match === null ? 0 : Number(match[1]);
}
