import { Logger } from '@nestjs/common';
import { startCluster, startSentinel, type Topology } from '@redgrid/redis-harness';
import { startTaskflow } from '../app/start-taskflow.js';

// `pnpm demo:cluster` / `pnpm demo:sentinel`: starts a local Redis Cluster (3 masters + 3
// replicas) or a Sentinel group (1 master + 2 replicas + 3 sentinels) on free loopback ports
// with tooling/redis-harness, then taskflow on it; Ctrl-C stops both.
const logger = new Logger('taskflow demo');
const kind = process.argv[2];
if (kind !== 'cluster' && kind !== 'sentinel') {
  logger.error('usage: demo-topology.ts cluster|sentinel');
  process.exit(2);
}

logger.log(`Starting a local Redis ${kind === 'cluster' ? 'Cluster' : 'Sentinel group'}...`);
const topology: Topology = kind === 'cluster' ? await startCluster() : await startSentinel();
const env = { ...process.env, ...topology.env() };
logger.log(
  `Redis ${kind} ready: ${topology.nodes.map((node) => `${node.id}=${node.port}`).join(' ')}`,
);
logger.log(
  `Same variables for another app: ${Object.entries(topology.env())
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')}`,
);

let taskflow: Awaited<ReturnType<typeof startTaskflow>> | undefined;
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.log(`${signal}: stopping taskflow and the Redis ${kind}`);
  await taskflow?.close().catch(() => undefined);
  await topology.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

try {
  taskflow = await startTaskflow({ env });
  logger.log(`taskflow on ${taskflow.url} against the ${kind}; Ctrl-C stops everything`);
} catch (error) {
  await topology.stop();
  throw error;
}
