import {
  type SentinelTopology,
  type StandaloneTopology,
  startSentinel,
  startStandalone,
} from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartitionedRedis, type PartitionNodeDefinition } from '../index.js';
import { expectKeyspaceIntact, writeKeyspace } from '../test-support/keyspace.js';

// One node of the partitioned keyspace is a Sentinel group (master + 2 replicas + 3
// sentinels): keys migrate into it and out of it again.
let sentinel: SentinelTopology | undefined;
const servers: StandaloneTopology[] = [];

beforeAll(async () => {
  const [group, ...standalones] = await Promise.all([
    startSentinel(),
    startStandalone(),
    startStandalone(),
  ]);
  sentinel = group;
  servers.push(...(standalones as StandaloneTopology[]));
});

afterAll(async () => {
  await Promise.all([sentinel?.stop(), ...servers.map((server) => server.stop())]);
});

function standalone(index: number): PartitionNodeDefinition {
  const server = servers[index - 1];
  if (!server) throw new RangeError(`no server ${index}`);
  return {
    id: `s${index}`,
    config: {
      type: 'single',
      options: { host: server.host, port: server.port },
    },
  };
}

function group(): PartitionNodeDefinition {
  if (!sentinel) throw new RangeError('no sentinel');
  return {
    id: 'ha',
    config: {
      type: 'sentinel',
      options: {
        sentinels: [...sentinel.sentinelAddresses],
        name: sentinel.masterName,
      },
    },
  };
}

describe('a Sentinel group as a partition', () => {
  it('migrates keys into the group and out again, with health per node', async () => {
    const partitioning = createPartitionedRedis({ nodes: [standalone(1), standalone(2)] });
    try {
      const keyspace = await writeKeyspace(partitioning, 20_000);
      const join = await partitioning.planRebalance([standalone(1), standalone(2), group()]);
      expect(join.joining).toEqual(['ha']);
      const joined = await partitioning.migrate(join, { batchSize: 1000 });
      console.log(
        `into sentinel group: moved ${joined.movedKeys} (${joined.transfers.map((transfer) => transfer.method).join(',')}) at ${joined.keysPerSecond.toFixed(0)} keys/s`,
      );
      expect(joined.movedKeys / 20_000).toBeGreaterThan(0.28);
      expect(joined.transfers.every((transfer) => transfer.method === 'migrate')).toBe(true);
      await expectKeyspaceIntact(partitioning, keyspace);

      const health = partitioning.health();
      expect(health.allPartitionsServed).toBe(true);
      const ha = health.nodes.find((entry) => entry.id === 'ha');
      expect(ha?.health.topology).toBe('sentinel');
      const master = await sentinel?.master();
      expect(ha?.health.currentMaster?.port).toBe(master?.port);

      const leave = await partitioning.planRebalance([standalone(1), standalone(2)]);
      expect(leave.leaving).toEqual(['ha']);
      const left = await partitioning.migrate(leave, {
        batchSize: 1000,
        transfer: 'dump-restore',
      });
      expect(left.movedKeys).toBe(joined.movedKeys);
      await expectKeyspaceIntact(partitioning, keyspace);
    } finally {
      await partitioning.close();
    }
  });
});
