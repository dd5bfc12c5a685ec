// A rebalancing process for the crash test: it rebalances the cluster of its environment
// (REDIS_CLUSTER, REDIS_NODEn_*) with small batches, and after each completed batch prints a
// JSON line and freezes its event loop (other master pairs stay mid-batch, their slots half
// moved) until the parent creates the file named in argv[2]; the parent SIGKILLs it while
// frozen.
import { existsSync, rmSync } from 'node:fs';
import { rebalanceCluster } from '../cluster-admin/rebalance-cluster.js';
import { defaultConnection } from './cluster-load.js';

const [releaseFile = ''] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const connection = defaultConnection(process.env as Record<string, string>);
await rebalanceCluster(connection, {
  useEmptyMasters: true,
  slotsPerBatch: 32,
  onProgress(progress) {
    if (progress.phase !== 'moving' || progress.batch === undefined) return;
    process.stdout.write(
      `${JSON.stringify({ type: 'frozen', slotsMoved: progress.slotsMoved })}\n`,
    );
    // Synchronous on purpose: nothing of this process runs until the file appears.
    while (!existsSync(releaseFile)) Atomics.wait(pause, 0, 0, 5);
    rmSync(releaseFile);
  },
});
process.stdout.write(`${JSON.stringify({ type: 'done' })}\n`);
await connection.close();
