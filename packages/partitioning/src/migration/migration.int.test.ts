import { type ChildProcess, spawn } from 'node:child_process';
import { subscribe, unsubscribe as unsubscribeChannel } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type StandaloneTopology, startStandalone, waitFor } from '@redgrid/redis-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPartitionedRedis,
  MigrationError,
  type MigrationProgress,
  type PartitionedRedis,
  type PartitionNodeDefinition,
} from '../index.js';
import {
  expectKeyspaceIntact,
  type WrittenKeyspace,
  writeKeyspace,
} from '../test-support/keyspace.js';
import { checkpointKey } from './reserved-keys.js';

// 3 -> 4 -> 3 standalone nodes with 100k keys, then a migrating process killed half-way and
// resumed by another. The scenarios build on each other (same servers, same keyspace).
const keyCount = 100_000;
const servers: StandaloneTopology[] = [];
const definition = (index: number): PartitionNodeDefinition => {
  const server = servers[index - 1];
  if (!server) throw new RangeError(`no server ${index}`);
  return {
    id: `n${index}`,
    config: {
      type: 'single',
      options: { host: server.host, port: server.port },
    },
  };
};
let partitioning: PartitionedRedis | undefined;
let keyspace: WrittenKeyspace;

function instance(): PartitionedRedis {
  if (!partitioning) throw new RangeError('no instance');
  return partitioning;
}

beforeAll(async () => {
  servers.push(...(await Promise.all([1, 2, 3, 4].map(() => startStandalone()))));
});

afterAll(async () => {
  await partitioning?.close();
  await Promise.all(servers.map((server) => server.stop()));
});

async function dbsize(index: number): Promise<number> {
  const server = servers[index - 1];
  if (!server) return 0;
  const client = new Redis({
    host: server.host,
    port: server.port,
    lazyConnect: true,
  });
  try {
    return await client.dbsize();
  } finally {
    client.disconnect();
  }
}

describe('migration between standalone nodes', () => {
  it('3 -> 4: plans, migrates 100k keys with TTLs and validates', async () => {
    partitioning = createPartitionedRedis({
      nodes: [definition(1), definition(2), definition(3)],
    });
    keyspace = await writeKeyspace(partitioning, keyCount);
    const before = await partitioning.analyzeDistribution();
    expect(before.totalKeys).toBe(keyCount);

    const plan = await partitioning.planRebalance(
      [definition(1), definition(2), definition(3), definition(4)],
      { exact: true },
    );
    expect(plan.joining).toEqual(['n4']);
    expect(plan.moves.every((move) => move.to === 'n4')).toBe(true);
    const progress: MigrationProgress[] = [];
    const unsubscribe = partitioning.on('migrationProgress', (event) => progress.push(event));
    const published: Array<[string, unknown]> = [];
    const onAdmin = (message: unknown) => published.push(['admin', message]);
    const onMigration = (message: unknown) => published.push(['migration', message]);
    subscribe('redgrid:admin', onAdmin);
    subscribe('redgrid:migration', onMigration);
    const result = await partitioning.migrate(plan, {
      batchSize: 1000,
      transfer: 'dump-restore',
    });
    unsubscribe();
    unsubscribeChannel('redgrid:admin', onAdmin);
    unsubscribeChannel('redgrid:migration', onMigration);
    // Announced for metrics and audit logs: the act, and its progress in keys.
    expect(published[0]).toEqual(['admin', { act: 'partition-migration', outcome: 'started' }]);
    expect(published.at(-1)).toEqual([
      'admin',
      {
        act: 'partition-migration',
        outcome: 'succeeded',
        details: { planId: plan.id, movedKeys: result.movedKeys },
      },
    ]);
    expect(published.filter(([kind]) => kind === 'migration').length).toBe(progress.length);

    const movedShare = result.movedKeys / keyCount;
    console.log(
      `3->4: moved ${result.movedKeys} keys (share ${movedShare.toFixed(4)}, ideal ${plan.idealMovedShare}, planned ${plan.movedKeys}, estimated share ${plan.estimatedMovedShare?.toFixed(4)}) in ${result.elapsedMs.toFixed(0)} ms = ${result.keysPerSecond.toFixed(0)} keys/s (dump-restore)`,
    );
    expect(result.movedKeys).toBe(plan.movedKeys);
    expect(result.conflicts).toEqual([]);
    expect(result.transfers.every((transfer) => transfer.method === 'dump-restore')).toBe(true);
    expect(Math.abs(movedShare / plan.idealMovedShare - 1)).toBeLessThan(0.1);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)?.fractionDone).toBe(1);
    expect(partitioning.layout.nodes.map((node) => node.id)).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(partitioning.migratingPlan).toBeUndefined();

    const intact = await expectKeyspaceIntact(partitioning, keyspace);
    console.log(`3->4 validation: ${JSON.stringify(intact)}`);
    const after = await partitioning.analyzeDistribution();
    expect(after.totalKeys).toBe(keyCount);
    expect(after.hotNodes).toEqual([]);
    // Checkpoints are removed once complete.
    for (const index of [1, 2, 3]) {
      expect(await partitioning.connectionOf(`n${index}`).client.exists(checkpointKey)).toBe(0);
    }
    // Migrating the same plan again is a no-op.
    expect((await partitioning.migrate(plan)).alreadyApplied).toBe(true);
  });

  it('4 -> 3: removes a node with MIGRATE, keeping reads and writes correct during the move', async () => {
    const partitioned = instance();
    const plan = await partitioned.planRebalance([definition(1), definition(3), definition(4)]);
    expect(plan.leaving).toEqual(['n2']);
    const leavingKeys = await dbsize(2);
    expect(plan.estimatedMovedShare).toBeGreaterThan(0.2);

    // Keys written, read and deleted while the migration runs.
    let live = 0;
    let stop = false;
    const errors: unknown[] = [];
    const traffic = (async () => {
      while (!stop) {
        const key = `live:${live}`;
        try {
          await partitioned.set(key, String(live));
          if ((await partitioned.get(key)) !== String(live)) errors.push(`read ${key}`);
          // An old key, not yet moved or already moved: reads must find it either way.
          const old = (live * 7919) % keyCount;
          if (old % 20 !== 0 && (await partitioned.get(`user:${old}`)) !== `value:${old}`) {
            errors.push(`lost user:${old}`);
          }
        } catch (error) {
          errors.push(error);
        }
        live++;
      }
    })();
    const result = await partitioned.migrate(plan, { batchSize: 1000 });
    stop = true;
    await traffic;
    expect(errors).toEqual([]);
    const movedShare = result.movedKeys / keyCount;
    console.log(
      `4->3: moved ${result.movedKeys} keys (share ${movedShare.toFixed(4)}, ideal ${plan.idealMovedShare}, estimated ${plan.estimatedMovedShare?.toFixed(4)}) in ${result.elapsedMs.toFixed(0)} ms = ${result.keysPerSecond.toFixed(0)} keys/s (${result.transfers.map((transfer) => transfer.method).join(',')}), ${live} live ops during it`,
    );
    expect(result.transfers.every((transfer) => transfer.method === 'migrate')).toBe(true);
    expect(result.movedKeys + result.alreadyOnTarget).toBe(leavingKeys);
    expect(Math.abs(movedShare / plan.idealMovedShare - 1)).toBeLessThan(0.1);
    expect(await dbsize(2)).toBe(0);
    expect(partitioned.health().nodes.map((node) => node.id)).toEqual(['n1', 'n3', 'n4']);
    await partitioned.del(Array.from({ length: live }, (_, index) => `live:${index}`));
    await expectKeyspaceIntact(partitioned, keyspace);
  });

  it('resumes after the migrating process is killed half-way', async () => {
    const partitioned = instance();
    const fromNodes = [1, 3, 4].map((index) => ({
      id: `n${index}`,
      port: servers[index - 1]?.port,
    }));
    const toNodes = [1, 2, 3, 4].map((index) => ({
      id: `n${index}`,
      port: servers[index - 1]?.port,
    }));
    const script = fileURLToPath(new URL('../test-support/migrate-child.ts', import.meta.url));
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--conditions=@redgrid/source',
        '--import',
        tsx,
        script,
        JSON.stringify(fromNodes),
        JSON.stringify(toNodes),
        '200',
        '8000',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let movedByChild = 0;
    let halted = false;
    let stderr = '';
    child.stderr?.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    child.stdout?.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) {
        if (!line.startsWith('{')) continue;
        const message = JSON.parse(line) as {
          type: string;
          movedKeys?: number;
        };
        if (message.type === 'progress') movedByChild = message.movedKeys ?? movedByChild;
        if (message.type === 'halted') halted = true;
      }
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => {
      child.on('exit', (_code, signal) => resolve(signal));
    });
    try {
      // The child blocks between two batches once it has moved 8000 keys: killed there.
      await waitFor(() => halted, {
        timeoutMs: 60_000,
        message: `child migration halted half-way (stderr: ${stderr})`,
      });
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    const movedBeforeKill = await dbsize(2);
    console.log(
      `crash test: child killed after reporting ${movedByChild} moved keys; n2 holds ${movedBeforeKill}`,
    );
    expect(movedBeforeKill).toBeGreaterThan(0);

    // The keyspace is split between old and new owners now, and a checkpoint exists.
    const plan = await partitioned.planRebalance([1, 2, 3, 4].map(definition));
    expect(plan.estimatedMovedShare).toBeGreaterThan(0.2);
    const result = await partitioned.migrate(plan, {
      batchSize: 1000,
      transfer: 'dump-restore',
    });
    console.log(
      `resume: resumed=${result.resumed}, previously moved ${result.previouslyMovedKeys}, moved now ${result.movedKeys}, already on target ${result.alreadyOnTarget}`,
    );
    expect(result.resumed).toBe(true);
    expect(result.previouslyMovedKeys).toBeGreaterThan(0);
    // Every key on n2 was counted by one of the two runs, except those of the batches in flight
    // from the other sources when the child stopped (moved, but their progress never
    // reported): at most one batch (200 keys) per source node.
    const counted = result.movedKeys + result.alreadyOnTarget + result.previouslyMovedKeys;
    const onTarget = await dbsize(2);
    expect(counted).toBeLessThanOrEqual(onTarget);
    expect(counted).toBeGreaterThanOrEqual(onTarget - 200 * fromNodes.length);
    await expectKeyspaceIntact(partitioned, keyspace);
  });

  it('refuses stale plans and reports aborts as resumable', async () => {
    const partitioned = instance();
    const plan = await partitioned.planRebalance([1, 2, 3].map(definition));
    const other = await partitioned.planRebalance([1, 2, 4].map(definition));
    const controller = new AbortController();
    controller.abort(new RangeError('stop now'));
    await expect(partitioned.migrate(plan, { signal: controller.signal })).rejects.toSatisfy(
      (error) => MigrationError.isInstance(error) && error.reason === 'aborted',
    );
    expect(partitioned.migratingPlan?.id).toBe(plan.id);
    await expect(partitioned.migrate(other)).rejects.toSatisfy(
      (error) => MigrationError.isInstance(error) && error.reason === 'busy',
    );
    // Reads still find every key while the migration is half done (here: not started).
    expect(await partitioned.get('user:1')).toBe('value:1');
    const dry = await partitioned.migrate(plan, { dryRun: true });
    expect(dry.movedKeys).toBe(0);
    expect(dry.moves.every((move) => move.from === 'n4')).toBe(true);
    const done = await partitioned.migrate(plan, { batchSize: 2000 });
    expect(done.moves.reduce((sum, move) => sum + move.keys, 0)).toBe(
      dry.moves.reduce((sum, move) => sum + move.keys, 0),
    );
    await expectKeyspaceIntact(partitioned, keyspace);
  });
});
