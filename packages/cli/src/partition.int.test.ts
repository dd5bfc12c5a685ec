import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPartitionedRedis,
  type MigrationResult,
  type RebalancePlan,
} from '@redgrid/partitioning';
import { type StandaloneTopology, startStandalone, waitFor } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, runBin, startBin } from './test-support/run-bin.js';

// The redgrid bin against client-side partitions: 3 standalone nodes, then a 4th joins.
const keyCount = 30_000;
const servers: StandaloneTopology[] = [];
let directory: string;
let layoutPath: string;
let targetPath: string;

const node = (index: number) => ({
  id: `n${index}`,
  host: '127.0.0.1',
  port: servers[index - 1]?.port,
});

beforeAll(async () => {
  servers.push(...(await Promise.all([1, 2, 3, 4].map(() => startStandalone()))));
  directory = await mkdtemp(join(tmpdir(), 'redgrid-cli-'));
  layoutPath = join(directory, 'layout.json');
  targetPath = join(directory, 'target.json');
  await writeFile(
    layoutPath,
    JSON.stringify({ strategy: { type: 'consistent-hash' }, nodes: [node(1), node(2), node(3)] }),
  );
  await writeFile(targetPath, JSON.stringify({ nodes: [node(1), node(2), node(3), node(4)] }));
  const partitioned = createPartitionedRedis({
    nodes: [1, 2, 3].map((index) => ({
      id: `n${index}`,
      config: {
        type: 'single' as const,
        options: { host: '127.0.0.1', port: servers[index - 1]?.port ?? 0 },
      },
    })),
  });
  try {
    for (let offset = 0; offset < keyCount; offset += 5000) {
      await partitioned.mset(
        Array.from(
          { length: 5000 },
          (_, index) => [`user:${offset + index}`, `v${offset + index}`] as const,
        ),
        { ttlMs: 3_600_000 },
      );
    }
  } finally {
    await partitioned.close();
  }
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  await Promise.all(servers.map((server) => server.stop()));
});

describe('redgrid partition', () => {
  it('plan --json lists the moves to the joining node; --add gives the same plan as --to', async () => {
    const run = await runBin([
      'partition',
      'plan',
      '--layout',
      layoutPath,
      '--to',
      targetPath,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const plan = jsonOf<RebalancePlan>(run);
    expect(plan.joining).toEqual(['n4']);
    expect(plan.moves.every((move) => move.to === 'n4')).toBe(true);
    expect(plan.idealMovedShare).toBeCloseTo(0.25, 10);
    const added = jsonOf<RebalancePlan>(
      await runBin([
        'partition',
        'plan',
        '--layout',
        layoutPath,
        '--add',
        `n4=127.0.0.1:${servers[3]?.port}`,
        '--json',
      ]),
    );
    expect(added.id).toBe(plan.id);
    const text = await runBin(['partition', 'plan', '--layout', layoutPath, '--to', targetPath]);
    expect(text.stdout).toMatch(/joining: n4/);
  });

  it('migrate: Ctrl-C exits 130 with a checkpoint; the same command resumes and completes', async () => {
    const args = [
      'partition',
      'migrate',
      '--layout',
      layoutPath,
      '--to',
      targetPath,
      '--batch-size',
      '20',
      '--transfer',
      'dump-restore',
    ];
    const running = startBin(args);
    await waitFor(() => running.stderr.includes('migrate:'), {
      timeoutMs: 60_000,
      message: `first progress line (${running.stderr})`,
    });
    running.child.kill('SIGINT');
    expect((await running.exited).code).toBe(130);
    expect(running.stderr).toMatch(/checkpoint is saved\. Run the same command again to resume/);
    const run = await runBin([...args.slice(0, 6), '--json']);
    expect(run.code).toBe(0);
    const result = jsonOf<MigrationResult>(run);
    console.log(
      `resumed: previously moved ${result.previouslyMovedKeys}, now ${result.movedKeys} (${Math.round(result.keysPerSecond)} keys/s)`,
    );
    expect(result.resumed).toBe(true);
    expect(result.previouslyMovedKeys).toBeGreaterThan(0);
    const after = createPartitionedRedis({
      nodes: [1, 2, 3, 4].map((index) => ({
        id: `n${index}`,
        config: {
          type: 'single' as const,
          options: { host: '127.0.0.1', port: servers[index - 1]?.port ?? 0 },
        },
      })),
    });
    try {
      const validation = await after.validate();
      expect(validation).toMatchObject({ valid: true, scannedKeys: keyCount, misplacedCount: 0 });
      const values = await after.mget(
        Array.from({ length: keyCount }, (_, index) => `user:${index}`),
      );
      expect(values.filter((value, index) => value !== `v${index}`)).toEqual([]);
      expect(await after.getConnectionForKey('user:7').pttl('user:7')).toBeGreaterThan(3_000_000);
    } finally {
      await after.close();
    }
    const again = await runBin([
      'partition',
      'migrate',
      '--layout',
      targetPath,
      '--to',
      targetPath,
      '--json',
    ]);
    expect(jsonOf<MigrationResult>(again).moves).toEqual([]);
  });

  it('analyze per node; bad layout files exit 64 naming the field', async () => {
    const run = await runBin(['analyze', '--layout', targetPath, '--json']);
    expect(run.code).toBe(0);
    const analysis = jsonOf<{
      nodes: Array<{ id: string; keys: number }>;
      balance: { needed: boolean };
    }>(run);
    expect(analysis.nodes.reduce((sum, entry) => sum + entry.keys, 0)).toBe(keyCount);
    expect(analysis.balance.needed).toBe(false);
    const bad = join(directory, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        nodes: [
          { id: 'a', host: '127.0.0.1', port: 'x' },
          { id: '', url: 'redis://h' },
        ],
      }),
    );
    const refused = await runBin(['partition', 'plan', '--layout', bad, '--remove', 'a']);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toMatch(/bad\.json: nodes\[0\]\.port/);
    expect(refused.stderr).toMatch(/bad\.json: nodes\[1\]\.id: must be a non-empty string/);
    const missing = await runBin(['partition', 'plan', '--to', targetPath]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/--layout: no partition layout given/);
  });
});

describe('redgrid health on a single server', () => {
  it('exits 2 when Redis is down, 1 with --fallback, 64 for a bad variable', async () => {
    const server = await startStandalone();
    const port = String(server.port);
    expect((await runBin(['health', '--port', port, '--host', '127.0.0.1'])).code).toBe(0);
    await server.stop();
    const down = await runBin(['health', '--json', '--timeout', '1000'], {
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: port,
    });
    expect(down.code).toBe(2);
    expect(jsonOf<{ overall: string; status: string }>(down)).toMatchObject({
      overall: 'unhealthy',
      status: 'error',
    });
    const degraded = await runBin(['health', '--fallback', '--timeout', '1000'], {
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: port,
    });
    expect(degraded.code).toBe(1);
    expect(degraded.stdout).toMatch(/overall: degraded/);
    const bad = await runBin(['health'], { REDIS_PORT: 'abc' });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/REDIS_PORT/);
    const badFlag = await runBin(['health', '--port', '70000']);
    expect(badFlag.code).toBe(64);
    expect(badFlag.stderr).toMatch(/--port \(REDIS_PORT\)/);
  });
});
