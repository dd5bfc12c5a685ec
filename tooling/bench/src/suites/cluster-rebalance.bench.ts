import { execFile } from 'node:child_process';
import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { inspectCluster, rebalanceCluster } from '@redgrid/partitioning';
import { type ClusterTopology, detectBackend, startCluster } from '@redgrid/redis-harness';
import type { Cluster } from 'ioredis';
import { defineSuite } from '../define-suite.js';

// Growing a live Redis Cluster from 3 to 4 masters (1 replica each; the 4th master joined
// empty), then shrinking it back to 3, with 50 writers on a RedGrid connection made from the
// environment alone: `redis-cli --cluster rebalance --cluster-use-empty-masters` (shrink:
// `--cluster-weight <id>=0`) against `rebalanceCluster` (the engine of `redgrid cluster
// rebalance`, shrink: `remove`), each on a fresh cluster with the same 20k keys, in this run.
// The rebalance figures are in the notes; the table measures SET+GET on the two rebalanced
// clusters afterwards (the layouts should serve alike).

interface Outcome {
  tool: string;
  growMs: number;
  shrinkMs: number;
  writerErrors: number;
  writerOps: number;
  lostKeys: number;
  slotsAfterGrow: number[];
  slotsAfterShrink: number[];
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

async function slotsPerMaster(connection: RedisConnection<Cluster>): Promise<number[]> {
  const snapshot = await inspectCluster(connection);
  const counts = new Map<string, number>();
  for (const owner of snapshot.slotOwners)
    if (owner) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => b - a);
}

/**
 * 50 loops of SET (with TTL) + GET through the connection, counting errors, each pausing 5 ms
 * per round: steady application traffic (about 10k commands/s here) rather than saturation,
 * which on this 2-core machine starves whichever rebalancer runs (redis-cli took 26 s unpaced).
 */
function startWriters(client: Cluster, prefix: string) {
  let stopped = false;
  let errors = 0;
  let operations = 0;
  const loops = Array.from({ length: 50 }, async (_, writer) => {
    for (let n = 0; !stopped; n++) {
      const key = `${prefix}:${writer}:${n % 500}`;
      try {
        await client.set(key, key, 'PX', 3_600_000);
        if ((await client.get(key)) !== key) errors++;
        operations += 2;
        await new Promise((resolve) => setTimeout(resolve, 5));
      } catch {
        errors++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  });
  return async () => {
    stopped = true;
    await Promise.all(loops);
    return { errors, operations };
  };
}

async function compare(
  tool: 'redis-cli' | 'redgrid',
  keyCount: number,
  smoke: boolean,
  onTeardown: (cleanup: () => unknown) => void,
): Promise<{ outcome: Outcome; connection: RedisConnection<Cluster> }> {
  // The smoke run (inside `pnpm test`) only proves the suite works: no replicas, no shrink.
  const cluster: ClusterTopology = await startCluster({
    masters: 3,
    replicasPerMaster: smoke ? 0 : 1,
    emptyMasters: 1,
  });
  const connection = createConnection(loadConfigFromEnv(cluster.env())) as RedisConnection<Cluster>;
  onTeardown(async () => {
    await connection.close();
    await cluster.stop();
  });
  for (let offset = 0; offset < keyCount; offset += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, keyCount - offset) }, (_, index) =>
        connection.client.set(`key:${offset + index}`, `v${offset + index}`, 'PX', 3_600_000),
      ),
    );
  }
  const backend = await detectBackend();
  const cli = backend.kind === 'local' ? backend.cliBin : undefined;
  if (tool === 'redis-cli' && cli === undefined)
    throw new Error('redis-cli is needed for this benchmark');
  const seed = `${cluster.nodes[0]?.host}:${cluster.nodes[0]?.port}`;

  const stopGrowWriters = startWriters(connection.client, 'grow');
  let started = performance.now();
  if (tool === 'redis-cli')
    await run(cli ?? '', ['--cluster', 'rebalance', seed, '--cluster-use-empty-masters']);
  else await rebalanceCluster(connection, { useEmptyMasters: true });
  const growMs = performance.now() - started;
  const grow = await stopGrowWriters();
  const slotsAfterGrow = await slotsPerMaster(connection);

  const snapshot = await inspectCluster(connection);
  const drained = snapshot.masters.find((master) => master.slots.length > 0);
  if (!drained) throw new Error('no master');
  const stopShrinkWriters = startWriters(connection.client, 'shrink');
  started = performance.now();
  if (smoke) {
    // no shrink in the smoke run
  } else if (tool === 'redis-cli') {
    await run(cli ?? '', ['--cluster', 'rebalance', seed, '--cluster-weight', `${drained.id}=0`]);
  } else await rebalanceCluster(connection, { remove: [drained.address] });
  const shrinkMs = performance.now() - started;
  const shrink = await stopShrinkWriters();
  const slotsAfterShrink = await slotsPerMaster(connection);

  let lostKeys = 0;
  for (let offset = 0; offset < keyCount; offset += 1000) {
    const values = await Promise.all(
      Array.from({ length: Math.min(1000, keyCount - offset) }, (_, index) =>
        connection.client.get(`key:${offset + index}`),
      ),
    );
    values.forEach((value, index) => {
      if (value !== `v${offset + index}`) lostKeys++;
    });
  }
  await cluster.waitUntilReady({ timeoutMs: 60_000 });
  return {
    connection,
    outcome: {
      tool,
      growMs,
      shrinkMs,
      writerErrors: grow.errors + shrink.errors,
      writerOps: grow.operations + shrink.operations,
      lostKeys,
      slotsAfterGrow,
      slotsAfterShrink,
    },
  };
}

export const suite = defineSuite({
  name: 'cluster-rebalance',
  description:
    'redis-cli --cluster rebalance vs redgrid rebalanceCluster: 3 -> 4 -> 3 masters, 20k keys, 50 writers pacing 5 ms (notes); SET+GET on each cluster afterwards (table)',
  kind: 'load',
  concurrency: 50,
  durationMs: 2000,
  async setup(context) {
    const keyCount = context.smoke ? 2_000 : 20_000;
    const cli = await compare('redis-cli', keyCount, context.smoke, context.onTeardown);
    const redgrid = await compare('redgrid', keyCount, context.smoke, context.onTeardown);
    const traffic = (connection: RedisConnection<Cluster>) => {
      let count = 0;
      return () => {
        const key = `key:${count++ % keyCount}`;
        return count & 1
          ? connection.client.get(key)
          : connection.client.set(key, 'x', 'PX', 3_600_000);
      };
    };
    const describe = (outcome: Outcome) =>
      `${outcome.tool}: grow ${(outcome.growMs / 1000).toFixed(2)} s (slots ${outcome.slotsAfterGrow.join('/')}), shrink ${(outcome.shrinkMs / 1000).toFixed(2)} s (slots ${outcome.slotsAfterShrink.join('/')}); writers: ${outcome.writerOps} ops, ${outcome.writerErrors} errors; keys lost: ${outcome.lostKeys}`;
    return {
      cases: [
        {
          name: 'SET+GET, cluster rebalanced by redis-cli',
          baseline: true,
          fn: traffic(cli.connection),
        },
        { name: 'SET+GET, cluster rebalanced by redgrid', fn: traffic(redgrid.connection) },
      ],
      notes: () => [
        describe(cli.outcome),
        describe(redgrid.outcome),
        `redgrid / redis-cli time: grow ${(redgrid.outcome.growMs / cli.outcome.growMs).toFixed(2)}x, shrink ${(redgrid.outcome.shrinkMs / cli.outcome.shrinkMs).toFixed(2)}x (lower is faster)`,
        'redis-cli: `redis-cli --cluster rebalance <seed> --cluster-use-empty-masters`, then `--cluster-weight <id>=0`; redgrid: `rebalanceCluster(connection, { useEmptyMasters: true })`, then `{ remove: [<host:port>] }` (= `redgrid cluster rebalance --use-empty-masters`, `--remove`)',
      ],
    };
  },
});
