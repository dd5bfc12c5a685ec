import { createConnection } from '@redgrid/connection';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPartitionedRedis,
  InvalidRangesError,
  MigrationError,
  type PartitionedRedis,
  type PartitionNodeDefinition,
  UnroutableKeyError,
} from '../index.js';

const servers: StandaloneTopology[] = [];
const node = (index: number, weight?: number): PartitionNodeDefinition => {
  const server = servers[index - 1];
  if (!server) throw new RangeError(`no server ${index}`);
  return {
    id: `n${index}`,
    ...(weight === undefined ? {} : { weight }),
    config: {
      type: 'single',
      options: { host: server.host, port: server.port },
    },
  };
};
const opened: PartitionedRedis[] = [];
function open(...args: Parameters<typeof createPartitionedRedis>): PartitionedRedis {
  const partitioning = createPartitionedRedis(...args);
  opened.push(partitioning);
  return partitioning;
}

beforeAll(async () => {
  servers.push(...(await Promise.all([1, 2, 3, 4].map(() => startStandalone()))));
});

afterAll(async () => {
  await Promise.all(opened.map((partitioning) => partitioning.close()));
  await Promise.all(servers.map((server) => server.stop()));
});

async function flushAll(partitioning: PartitionedRedis): Promise<void> {
  for (const { id } of partitioning.layout.nodes) {
    await (partitioning.connectionOf(id).client as Redis).flushdb();
  }
}

describe('createPartitionedRedis over standalone nodes', () => {
  it("routes getConnectionForKey('user:123').set(...) to the owner and keeps hash tags together", async () => {
    const partitioning = open({ nodes: [node(1), node(2), node(3)] });
    await flushAll(partitioning);
    await partitioning.getConnectionForKey('user:123').set('user:123', 'alice');
    const owner = partitioning.nodeForKey('user:123');
    expect(await partitioning.connectionOf(owner).client.get('user:123')).toBe('alice');
    for (const { id } of partitioning.layout.nodes) {
      if (id !== owner)
        expect(await partitioning.connectionOf(id).client.exists('user:123')).toBe(0);
    }
    expect(await partitioning.get('user:123')).toBe('alice');
    const tagged = ['{user:7}:profile', '{user:7}:cart', '{user:7}:sessions'];
    expect(new Set(tagged.map((key) => partitioning.nodeForKey(key))).size).toBe(1);
    // A multi-key command on one tag works on the owner's client.
    const client = partitioning.getConnectionForKey('{user:7}:profile');
    await client.mset('{user:7}:profile', 'p', '{user:7}:cart', 'c');
    expect(await client.mget('{user:7}:profile', '{user:7}:cart')).toEqual(['p', 'c']);
  });

  it('groups mset / mget / del and pipelines per node, answering in call order', async () => {
    const partitioning = open({ nodes: [node(1), node(2), node(3)] });
    await flushAll(partitioning);
    const keys = Array.from({ length: 3000 }, (_, index) => `item:${index}`);
    await partitioning.mset(keys.map((key, index) => [key, `v${index}`] as const));
    await partitioning.mset({ 'ttl:a': '1', 'ttl:b': '2' }, { ttlMs: 60_000 });
    const values = await partitioning.mget([...keys, 'missing', 'ttl:a']);
    expect(values.slice(0, 3)).toEqual(['v0', 'v1', 'v2']);
    expect(values.slice(-2)).toEqual([null, '1']);
    expect(values.filter((value) => value === null)).toHaveLength(1);
    const pttl = await partitioning.getConnectionForKey('ttl:b').pttl('ttl:b');
    expect(pttl).toBeGreaterThan(50_000);

    const report = await partitioning.analyzeDistribution();
    expect(report.counted).toBe('dbsize');
    expect(report.totalKeys).toBe(3002);
    for (const entry of report.nodes) expect(entry.keys).toBeGreaterThan(700);

    const pipeline = partitioning
      .pipeline()
      .set('p:1', 'one')
      .incr('p:counter', 5)
      .get('p:1')
      .hset('p:hash', 'field', 'x')
      .hget('p:hash', 'field')
      .command('strlen', 'p:1', 'p:1')
      .get('item:0');
    expect(pipeline.length).toBe(7);
    const replies = await pipeline.exec();
    expect(replies.map(([error, result]) => (error ? error.message : result))).toEqual([
      'OK',
      5,
      'one',
      1,
      'x',
      3,
      'v0',
    ]);
    const [wrongType] = await partitioning.pipeline().incr('p:hash').exec();
    expect(wrongType?.[0]?.message).toContain('WRONGTYPE');

    expect(await partitioning.del([...keys.slice(0, 1000), 'missing'])).toBe(1000);
    expect(await partitioning.del('item:1500')).toBe(1);
    expect((await partitioning.mget(keys.slice(0, 2))).every((value) => value === null)).toBe(true);
  });

  it('analyzes distribution from a sample, a SCAN pattern or DBSIZE, and flags hot nodes', async () => {
    const partitioning = open({ nodes: [node(1), node(2, 2), node(3)] });
    await flushAll(partitioning);
    const sample = Array.from({ length: 40_000 }, (_, index) => `session:${index}`);
    const fromSample = await partitioning.analyzeDistribution({ sample });
    expect(fromSample.counted).toBe('sample');
    expect(fromSample.nodes.find((entry) => entry.id === 'n2')?.expectedShare).toBe(0.5);
    expect(fromSample.maxLoad).toBeLessThan(1.1);
    expect(fromSample.hotNodes).toEqual([]);

    // Pile keys onto one node behind the strategy's back: it shows up as hot.
    const n1 = partitioning.connectionOf('n1').client;
    const pipeline = n1.pipeline();
    for (let index = 0; index < 2000; index++) pipeline.set(`stray:${index}`, 'x');
    await pipeline.exec();
    await partitioning.mset(sample.slice(0, 1000).map((key) => [key, 'x'] as const));
    const counted = await partitioning.analyzeDistribution();
    expect(counted.hotNodes).toEqual(['n1']);
    const scanned = await partitioning.analyzeDistribution({ match: 'session:*' });
    expect(scanned.counted).toBe('scan');
    expect(scanned.totalKeys).toBe(1000);

    // ... and validate() finds them misplaced (except those that happen to belong to n1).
    const validation = await partitioning.validate({ maxReported: 5 });
    const misplacedExpected = Array.from({ length: 2000 }, (_, index) => `stray:${index}`).filter(
      (key) => partitioning.nodeForKey(key) !== 'n1',
    ).length;
    expect(validation.valid).toBe(false);
    expect(validation.misplacedCount).toBe(misplacedExpected);
    expect(validation.duplicateCount).toBe(0);
    expect(validation.misplaced).toHaveLength(5);
    expect(validation.misplaced[0]).toMatchObject({ node: 'n1', duplicate: false });
    expect(validation.scannedKeys).toBe(3000);
  });

  it('reports health per node and whether every partition is served', async () => {
    const partitioning = open({ nodes: [node(1), node(2)] });
    await partitioning.mget(['a', 'b', 'c', 'd', 'e', 'f']);
    const health = partitioning.health();
    expect(health.nodes.map((entry) => entry.id)).toEqual(['n1', 'n2']);
    expect(health.nodes.every((entry) => entry.role === 'member')).toBe(true);
    expect(health.status).toBe('healthy');
    expect(health.allPartitionsServed).toBe(true);
    expect(health.nodes[0]?.health.topology).toBe('single');
  });

  it('partitions by numeric ranges and explains unroutable keys', async () => {
    const partitioning = open({
      nodes: [node(1), node(2), node(3)],
      strategy: {
        type: 'range',
        keyType: 'numeric',
        ranges: [
          { node: 'n1', from: 0, to: 1000 },
          { node: 'n2', from: 1000, to: 2000 },
          { node: 'n3', from: 2000, to: 3000 },
        ],
      },
    });
    await flushAll(partitioning);
    await partitioning.mset([
      ['tenant:5', 'a'],
      ['tenant:1500', 'b'],
      ['tenant:{2500}:settings', 'c'],
    ]);
    expect(await partitioning.connectionOf('n1').client.get('tenant:5')).toBe('a');
    expect(await partitioning.connectionOf('n2').client.get('tenant:1500')).toBe('b');
    expect(await partitioning.connectionOf('n3').client.get('tenant:{2500}:settings')).toBe('c');
    expect(() => partitioning.getConnectionForKey('tenant:99999')).toThrow(UnroutableKeyError);
    await expect(partitioning.get('tenant:abc')).rejects.toMatchObject({ reason: 'not-numeric' });
    expect(() =>
      createPartitionedRedis({
        nodes: [node(1), node(2)],
        strategy: {
          type: 'range',
          keyType: 'numeric',
          ranges: [
            { node: 'n1', from: 0, to: 100 },
            { node: 'n2', from: 90, to: 200 },
          ],
        },
      }),
    ).toThrow(InvalidRangesError);

    // Splitting n2's range onto a new node n4 moves exactly those keys.
    await partitioning.mset(
      Array.from({ length: 3000 }, (_, index) => [`tenant:${index}`, String(index)] as const),
    );
    const plan = await partitioning.planRebalance([node(1), node(2), node(3), node(4)], {
      exact: true,
      strategy: {
        type: 'range',
        keyType: 'numeric',
        ranges: [
          { node: 'n1', from: 0, to: 1000 },
          { node: 'n2', from: 1000, to: 1500 },
          { node: 'n4', from: 1500, to: 2000 },
          { node: 'n3', from: 2000, to: 3000 },
        ],
      },
    });
    expect(plan.moves).toEqual([
      expect.objectContaining({
        from: 'n2',
        to: 'n4',
        keys: 500,
        spans: [{ from: 1500, to: 2000 }],
      }),
    ]);
    const result = await partitioning.migrate(plan);
    expect(result.movedKeys).toBe(500);
    expect((await partitioning.validate()).valid).toBe(true);
    expect(await partitioning.get('tenant:1700')).toBe('1700');
    expect(partitioning.nodeForKey('tenant:1700')).toBe('n4');
  });

  it('keeps reads, writes and any command correct while following a migration', async () => {
    const partitioning = open({ nodes: [node(1), node(2)] });
    await flushAll(partitioning);
    await (partitioning.connectionOf('n1').client as Redis).flushdb();
    const keys = Array.from({ length: 2000 }, (_, index) => `counter:${index}`);
    await partitioning.mset(keys.map((key) => [key, '10'] as const));
    const plan = await partitioning.planRebalance([node(1), node(2), node(3)]);
    await (partitioning.connectionOf('n3').client as Redis).flushdb();
    // Another process is migrating; this one only follows the plan.
    partitioning.followMigration(plan);
    expect(partitioning.migratingPlan?.id).toBe(plan.id);
    expect(partitioning.health().nodes.find((entry) => entry.id === 'n3')?.role).toBe('joining');
    const moving = keys.filter((key) => partitioning.nodeForKey(key) === 'n3');
    expect(moving.length).toBeGreaterThan(400);
    const [first = '', second = '', third = '', fourth = ''] = moving;

    // Reads fall back to the old owner; mget too.
    expect(await partitioning.get(first)).toBe('10');
    expect(await partitioning.mget(moving.slice(0, 50))).toEqual(new Array(50).fill('10'));
    // A plain write goes to the new owner and wins over the stale copy.
    await partitioning.set(second, '99');
    expect(await partitioning.get(second)).toBe('99');
    // Read-modify-write through a pipeline or resolveConnectionForKey moves the key first.
    const [[, incremented] = [null, null]] = await partitioning.pipeline().incr(third, 5).exec();
    expect(incremented).toBe(15);
    const client = await partitioning.resolveConnectionForKey(fourth);
    expect(await client.incrby(fourth, 1)).toBe(11);
    // Deletes reach both owners: nothing comes back.
    expect(await partitioning.del([first, 'counter:none'])).toBe(1);
    expect(await partitioning.get(first)).toBeNull();

    // The migrating process (here: the same instance) finishes the job.
    const result = await partitioning.migrate(plan, { batchSize: 300 });
    expect(result.movedKeys + result.alreadyOnTarget).toBe(moving.length - 3);
    expect(result.alreadyOnTarget).toBe(1);
    expect(await partitioning.get(second)).toBe('99');
    expect(await partitioning.get(third)).toBe('15');
    expect(await partitioning.get(fourth)).toBe('11');
    expect(await partitioning.get(first)).toBeNull();
    expect((await partitioning.validate()).valid).toBe(true);
    await expect(partitioning.completeMigration(plan)).resolves.toBeUndefined();
    expect(() => partitioning.followMigration(plan)).toThrow(MigrationError);
  });

  it('closes the connections it opened, not those passed in, on Symbol.asyncDispose as on close()', async () => {
    const server = servers[1];
    if (!server) throw new RangeError('no server 2');
    const given = createConnection({
      type: 'single',
      options: { host: server.host, port: server.port },
    });
    try {
      const partitioning = createPartitionedRedis({
        nodes: [node(1), { id: 'given', connection: given }],
      });
      const owned = partitioning.connectionOf('n1');
      await owned.client.ping();
      await given.client.ping();
      await partitioning[Symbol.asyncDispose]();
      expect(owned.state).toBe('closed');
      expect(given.state).toBe('ready');
      expect(await given.client.ping()).toBe('PONG');
      await expect(partitioning.close()).resolves.toBeUndefined();
    } finally {
      await given.close();
    }
  });

  it('rejects a cluster config next to other nodes, and a node without config or connection', () => {
    expect(() =>
      createPartitionedRedis({
        nodes: [
          node(1),
          {
            id: 'c',
            config: { type: 'cluster', options: { nodes: [{ host: '127.0.0.1', port: 1 }] } },
          },
        ],
      }),
    ).toThrow(/only accepted as the sole node/);
    expect(() => createPartitionedRedis({ nodes: [{ id: 'x' }] })).toThrow(/nodes\[0\]\.config/);
  });
});
