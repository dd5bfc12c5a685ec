// A migrating process for the crash test: it plans the move from the nodes in argv[2] (JSON:
// [{ id, port }]) to those in argv[3], migrates with small batches, prints one JSON line per
// batch, and once it has moved argv[5] keys prints `halted` and blocks for good (between two
// batches), so that the parent kills it at a known point, whatever the machine's speed.
import { createPartitionedRedis } from '../index.js';

interface NodeAddress {
  id: string;
  port: number;
}

const [fromJson = '[]', toJson = '[]', batchSize = '200', haltAt = '8000'] = process.argv.slice(2);
const toNode = (node: NodeAddress) => ({
  id: node.id,
  config: { type: 'single' as const, options: { host: '127.0.0.1', port: node.port } },
});
const from = (JSON.parse(fromJson) as NodeAddress[]).map(toNode);
const to = (JSON.parse(toJson) as NodeAddress[]).map(toNode);
const pause = new Int32Array(new SharedArrayBuffer(4));

const partitioning = createPartitionedRedis({ nodes: from });
const plan = await partitioning.planRebalance(to);
process.stdout.write(`${JSON.stringify({ type: 'plan', planId: plan.id })}\n`);
await partitioning.migrate(plan, {
  batchSize: Number(batchSize),
  transfer: 'dump-restore',
  onProgress(progress) {
    process.stdout.write(
      `${JSON.stringify({ type: 'progress', movedKeys: progress.movedKeys })}\n`,
    );
    if (progress.movedKeys >= Number(haltAt)) {
      process.stdout.write(
        `${JSON.stringify({ type: 'halted', movedKeys: progress.movedKeys })}\n`,
      );
      // Synchronous on purpose: it holds the migration between two batches until the kill.
      Atomics.wait(pause, 0, 0);
    }
  },
});
process.stdout.write(`${JSON.stringify({ type: 'done' })}\n`);
await partitioning.close();
