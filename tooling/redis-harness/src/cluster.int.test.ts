import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectBackend } from './backend/detect-backend.js';
import { sendCommand } from './resp/send-command.js';
import { expectStopped } from './test-support/expect-stopped.js';
import { startCluster } from './topology/start-cluster.js';
import type { ClusterTopology, RedisNode } from './topology/types.js';

function runCli(args: string[]): Promise<{ code: number; output: string }> {
  return detectBackend().then(
    (backend) =>
      new Promise((resolve) => {
        const cli = backend.kind === 'local' ? backend.cliBin : undefined;
        if (cli === undefined) throw new Error('redis-cli is needed for this test');
        execFile(cli, args, { timeout: 20_000 }, (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
        });
      }),
  );
}

async function keyOwner(cluster: ClusterTopology, key: string): Promise<RedisNode> {
  const [any] = cluster.nodes;
  if (any === undefined) throw new Error('no node');
  const slot = await sendCommand(any, ['CLUSTER', 'KEYSLOT', key]);
  return cluster.masterFor(Number(slot));
}

describe('startCluster', () => {
  let cluster: ClusterTopology;

  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('starts 3 masters with 1 replica each and exports the nodes in env()', async () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(await cluster.masters()).toHaveLength(3);
    expect(await cluster.replicas()).toHaveLength(3);
    const env = cluster.env();
    expect(env.REDIS_CLUSTER).toBe('true');
    expect(env.REDIS_NODE1_HOST).toBe('127.0.0.1');
    expect(env.REDIS_NODE6_PORT).toBe(String(cluster.nodes[5]?.port));
    expect(cluster.startupNodes).toHaveLength(6);
  });

  it('serves SET/GET on the master owning the key, and redirects elsewhere', async () => {
    const owner = await keyOwner(cluster, 'user:42');
    expect(await sendCommand(owner, ['SET', 'user:42', 'ada'])).toBe('OK');
    expect(await sendCommand(owner, ['GET', 'user:42'])).toBe('ada');
    const other = (await cluster.masters()).find((node) => node !== owner);
    if (other === undefined) throw new Error('only one master');
    await expect(sendCommand(other, ['GET', 'user:42'])).rejects.toThrow(/MOVED/);
  });

  it('passes redis-cli --cluster check with all 16384 slots covered by 3 masters', async () => {
    const [first] = cluster.nodes;
    const { code, output } = await runCli(['--cluster', 'check', `127.0.0.1:${first?.port}`]);
    expect(output).toContain('[OK] All 16384 slots covered.');
    expect(output).not.toContain('[ERR]');
    expect(output.match(/slots \| 1 slaves\./g)).toHaveLength(3);
    expect(code).toBe(0);
  });

  it('replaces a killed master by its replica within a deadline, and takes it back after restart', async () => {
    const victim = await keyOwner(cluster, 'user:42');
    const [any] = cluster.nodes;
    const slot = Number(await sendCommand(any ?? victim, ['CLUSTER', 'KEYSLOT', 'user:42']));
    await cluster.kill(victim);
    await cluster.waitFor(async () => (await cluster.masterFor(slot)) !== victim, {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: 'replica of the killed master promoted',
    });
    await cluster.waitUntilReady({ timeoutMs: 20_000 });
    const promoted = await cluster.masterFor(slot);
    expect(await sendCommand(promoted, ['GET', 'user:42'])).toBe('ada');
    expect(await sendCommand(promoted, ['SET', 'user:42', 'after-failover'])).toBe('OK');

    await cluster.restart(victim);
    await cluster.waitUntilReady({ timeoutMs: 20_000 });
    expect((await cluster.replicas()).map((node) => node.id)).toContain(victim.id);

    // A manual CLUSTER FAILOVER gives the slot back to the restarted node, data included.
    await cluster.failover(victim, { timeoutMs: 20_000 });
    expect(await cluster.masterFor(slot)).toBe(victim);
    expect(await sendCommand(victim, ['GET', 'user:42'])).toBe('after-failover');
  });

  it('stop() kills every node and removes the temp dir', async () => {
    const pids = cluster.nodes.map((node) => node.pid);
    await cluster.stop();
    expectStopped(pids, cluster.dir);
  });
});

describe('startCluster with empty masters, addMaster, removeNode', () => {
  it('joins masters without slots, adds one to the running cluster and removes it again', async () => {
    await using cluster = await startCluster({
      masters: 3,
      replicasPerMaster: 0,
      emptyMasters: 1,
    });
    expect(cluster.nodes.map((node) => node.id)).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    expect((await cluster.masters()).map((node) => node.id).sort()).toEqual([
      'node-1',
      'node-2',
      'node-3',
    ]);
    const [first] = cluster.nodes;
    if (first === undefined) throw new Error('no node');
    const nodesLine = (port: number) =>
      sendCommand(first, ['CLUSTER', 'NODES']).then((reply) =>
        String(reply)
          .split('\n')
          .find((line) => line.includes(`:${port}@`)),
      );
    const empty = cluster.nodes[3];
    const emptyLine = await nodesLine(empty?.port ?? 0);
    expect(emptyLine).toContain('master');
    // No slot field after the link state: it owns nothing.
    expect(emptyLine?.trim().split(' ')).toHaveLength(8);
    expect(cluster.env().REDIS_NODE4_PORT).toBe(String(empty?.port));

    const added = await cluster.addMaster({ timeoutMs: 30_000 });
    expect(added.id).toBe('node-5');
    expect(cluster.nodes).toHaveLength(5);
    expect(await nodesLine(added.port)).toContain('master');
    expect(cluster.env().REDIS_NODE5_PORT).toBe(String(added.port));

    await expect(cluster.removeNode(first)).rejects.toThrow(/still owns slots/);
    await cluster.removeNode(added, { timeoutMs: 30_000 });
    expect(cluster.nodes).toHaveLength(4);
    expect(await nodesLine(added.port)).toBeUndefined();
    expect(cluster.env().REDIS_NODE5_PORT).toBeUndefined();
    const { code, output } = await runCli(['--cluster', 'check', `127.0.0.1:${first.port}`]);
    expect(output).toContain('[OK] All 16384 slots covered.');
    expect(code).toBe(0);
  });
});
