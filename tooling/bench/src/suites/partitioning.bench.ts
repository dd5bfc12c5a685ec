import { createRequire } from 'node:module';
import {
  createPartitionedRedis,
  createPartitioner,
  type MigrationResult,
  type PartitionNodeDefinition,
} from '@redgrid/partitioning';
import { startStandalone } from '@redgrid/redis-harness';
import { defineSuite } from '../define-suite.js';

// The npm `hashring` package has no types; only what is used here is typed.
interface NpmHashRing {
  get(key: string): string;
}
const NpmHashRing = createRequire(import.meta.url)('hashring') as new (
  servers: Record<string, number>,
) => NpmHashRing;

/** Moves `keyCount` keys between two servers and back, once per transfer method. */
async function measureMigration(
  servers: ReadonlyArray<{ host: string; port: number }>,
  keyCount: number,
): Promise<{ dumpRestore: MigrationResult; migrate: MigrationResult }> {
  const nodes: PartitionNodeDefinition[] = servers.map((server, index) => ({
    id: `node-${index + 1}`,
    config: { type: 'single', options: { host: server.host, port: server.port } },
  }));
  const [first, second] = nodes;
  if (!first || !second) throw new RangeError('two servers are needed');
  const partitioning = createPartitionedRedis({ nodes: [first] });
  try {
    await partitioning.connectionOf(first.id).client.flushdb();
    const chunk = 10_000;
    for (let offset = 0; offset < keyCount; offset += chunk) {
      const pipeline = partitioning.pipeline();
      for (let index = offset; index < Math.min(keyCount, offset + chunk); index++) {
        pipeline.set(`bench:migrate:${index}`, `value-${index}`, { ttlMs: 3_600_000 });
      }
      await pipeline.exec();
    }
    const grow = await partitioning.planRebalance([first, second]);
    await partitioning.connectionOf(second.id).client.flushdb();
    const dumpRestore = await partitioning.migrate(grow, {
      batchSize: 1000,
      transfer: 'dump-restore',
    });
    const shrink = await partitioning.planRebalance([first]);
    const migrate = await partitioning.migrate(shrink, { batchSize: 1000, transfer: 'migrate' });
    await partitioning.connectionOf(first.id).client.flushdb();
    return { dumpRestore, migrate };
  } finally {
    await partitioning.close();
  }
}

// Routing cost per key over 100k distinct keys and 4 nodes: the npm hashring package's get()
// against RedGrid's pure router and PartitionedRedis.getConnectionForKey() (which routes and
// returns the node's client). Migration throughput is measured once during setup, between two
// harness servers, and reported as a note.
export const suite = defineSuite({
  name: 'partitioning-routing',
  description:
    'getConnectionForKey() on 100k distinct keys / 4 nodes vs npm hashring get(); migration keys/s',
  kind: 'micro',
  async setup(context) {
    const keyCount = context.smoke ? 2_000 : 100_000;
    const keys = Array.from({ length: keyCount }, (_, index) => `user:${index}:session`);
    const ids = ['node-1', 'node-2', 'node-3', 'node-4'];
    const npm = new NpmHashRing(Object.fromEntries(ids.map((id) => [id, 1])));

    const main = await context.redis();
    const extra = await startStandalone();
    context.onTeardown(() => extra.stop());
    const migration = await measureMigration([main, extra], context.smoke ? 2_000 : 50_000);

    // Connections are lazy: routing alone never connects.
    const config = { type: 'single' as const, options: { host: main.host, port: main.port } };
    const hashed = createPartitionedRedis({ nodes: ids.map((id) => ({ id, config })) });
    const ranged = createPartitionedRedis({
      nodes: ids.map((id) => ({ id, config })),
      strategy: {
        type: 'range',
        keyType: 'numeric',
        ranges: ids.map((id, index) => ({
          node: id,
          ...(index === 0 ? {} : { from: (index * keyCount) / 4 }),
          ...(index === 3 ? {} : { to: ((index + 1) * keyCount) / 4 }),
        })),
      },
    });
    context.onTeardown(() => Promise.all([hashed.close(), ranged.close()]));
    const router = createPartitioner({
      nodes: ids.map((id) => ({ id })),
      strategy: { type: 'consistent-hash' },
    });

    let npmIndex = 0;
    let routerIndex = 0;
    let hashedIndex = 0;
    let rangedIndex = 0;
    const key = (index: number) => keys[index % keyCount] ?? '';
    return {
      cases: [
        { name: 'hashring 3 get()', baseline: true, fn: () => npm.get(key(npmIndex++)) },
        { name: 'redgrid Partitioner nodeFor()', fn: () => router.nodeFor(key(routerIndex++)) },
        {
          name: 'redgrid getConnectionForKey() consistent-hash',
          fn: () => hashed.getConnectionForKey(key(hashedIndex++)),
        },
        {
          name: 'redgrid getConnectionForKey() numeric ranges',
          fn: () => ranged.getConnectionForKey(key(rangedIndex++)),
        },
      ],
      notes: (results) => {
        const lines = results
          .filter((result) => !result.baseline)
          .map(
            (result) =>
              `${result.name}: ${(1e9 / result.opsPerSecond).toFixed(0)} ns/key, ${result.ratio.toFixed(2)}x the lookups/s of hashring`,
          );
        for (const [method, result] of [
          ['DUMP/RESTORE', migration.dumpRestore],
          ['MIGRATE', migration.migrate],
        ] as const) {
          lines.push(
            `migration throughput (${method}, batch 1000, 2 local servers): ${result.movedKeys} keys in ${result.elapsedMs.toFixed(0)} ms = ${result.keysPerSecond.toFixed(0)} keys/s`,
          );
        }
        return lines;
      },
    };
  },
});
