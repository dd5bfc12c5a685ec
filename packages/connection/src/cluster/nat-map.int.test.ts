import { type Address, defineConfig, loadConfigFromEnv } from '@redgrid/core';
import { acquirePort, type ClusterTopology, type PortLease } from '@redgrid/redis-harness';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from '../connection/create-connection.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { type StartedTopology, startTopology } from '../test-support/topologies.js';

// A cluster behind NAT (Docker, Kubernetes): the nodes announce addresses the client cannot
// reach (here, ports nothing listens on, held by the harness' port locks so nobody takes them),
// and `natMap` tells the client where each announced address really is.

let started: StartedTopology | undefined;
const connections: RedisConnection[] = [];
const leases: PortLease[] = [];

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  for (const lease of leases.splice(0)) lease.release();
  await started?.stop();
  started = undefined;
});

describe('natMap against a cluster that announces unreachable addresses', () => {
  it('routes commands for every master through the map, and fails without it', async () => {
    started = await startTopology('cluster');
    const current = started;
    const topology = current.topology as ClusterTopology;
    const natMap: Record<string, Address> = {};
    for (const node of topology.nodes) {
      const lease = await acquirePort();
      leases.push(lease);
      natMap[`${node.host}:${lease.port}`] = { host: node.host, port: node.port };
      await current.raw(node).config('SET', 'cluster-announce-port', String(lease.port));
    }
    const announced = new Set(Object.keys(natMap));
    // Every node's view of the slots names only announced addresses once gossip has spread.
    await topology.waitFor(
      async () => {
        for (const node of topology.nodes) {
          const slots = (await current.raw(node).cluster('SLOTS')) as unknown as Array<
            [number, number, ...Array<[string, number]>]
          >;
          for (const [, , ...members] of slots) {
            for (const [host, port] of members) {
              if (!announced.has(`${host}:${port}`)) return false;
            }
          }
        }
        return true;
      },
      { timeoutMs: 30_000, message: 'announced ports in every CLUSTER SLOTS' },
    );

    const fromEnv = loadConfigFromEnv(topology.env());
    if (fromEnv.type !== 'cluster') throw new Error('expected a cluster config');
    const mapped = createConnection(
      defineConfig({ type: 'cluster', options: { ...fromEnv.options, natMap } }),
    );
    connections.push(mapped);
    // Keys on every master; one written through a node that does not own it (MOVED).
    const keys = Array.from({ length: 300 }, (_, index) => `nat:${index}`);
    for (const key of keys) await mapped.client.set(key, key);
    expect(await Promise.all(keys.map((key) => mapped.client.get(key)))).toEqual(keys);
    // (The harness' own helpers speak real ports, so the masters are counted server-side.)
    let mastersWithKeys = 0;
    for (const node of topology.nodes) {
      const raw = current.raw(node);
      const master = (await raw.info('replication')).includes('role:master');
      if (master && (await raw.dbsize()) > 0) mastersWithKeys++;
    }
    expect(mastersWithKeys).toBe(3);
    expect(mapped.health()).toMatchObject({ state: 'ready', clusterState: 'ok' });

    // The same cluster without the map: the client cannot reach what the cluster announces.
    const unmapped = createConnection(fromEnv);
    connections.push(unmapped);
    const error = await unmapped.client.get(keys[0] as string).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
  });
});
