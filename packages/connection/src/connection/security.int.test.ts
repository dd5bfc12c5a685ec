import { AuthError } from '@redgrid/core';
import type { RedisNode } from '@redgrid/redis-harness';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logging/logger.js';
import {
  type StartedTopology,
  startTopology,
  type TopologyKind,
} from '../test-support/topologies.js';
import { WriteLoad } from '../test-support/write-load.js';
import { createConnection } from './create-connection.js';
import type { RedisConnection } from './redis-connection.js';

let started: StartedTopology | undefined;
let connection: RedisConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await started?.stop();
  connection = undefined;
  started = undefined;
});

/** A logger that keeps every line as text, to prove no secret is ever logged. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (details: Record<string, unknown>, message: string) => {
    lines.push(`${message} ${JSON.stringify(details)}`);
  };
  return { lines, debug: write, info: write, warn: write, error: write };
}

/** Every data node (masters and replicas; not Sentinels) of a topology. */
function dataNodes(started: StartedTopology): RedisNode[] {
  const topology = started.topology;
  if ('serverNodes' in topology) return [...topology.serverNodes];
  if ('node' in topology) return [topology.node];
  return [...topology.nodes];
}

async function totalConnections(topology: StartedTopology, password: string): Promise<number> {
  const [master] = await topology.masters();
  if (master === undefined) throw new Error('no master');
  const admin = topology.raw(master);
  await admin.auth(password);
  const info = await admin.info('stats');
  admin.disconnect();
  return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
}

const kinds: TopologyKind[] = ['standalone', 'cluster', 'sentinel'];

describe.each(kinds)('security against %s', (kind) => {
  it('connects over TLS (generated certificates) as an ACL user, on every node', async () => {
    started = await startTopology(kind, {
      tls: true,
      aclUsers: [{ name: 'app', password: 'app-secret-1' }],
      options: { username: 'app', password: 'app-secret-1' },
    });
    const logger = recordingLogger();
    connection = createConnection(started.config, { logger });
    const client = connection.client;
    await client.set('{tls}:key', 'value');
    expect(await client.get('{tls}:key')).toBe('value');
    expect(await client.call('ACL', 'WHOAMI')).toBe('app');
    const health = await connection.checkHealth();
    expect(health.state).toBe('ready');
    if (kind === 'cluster') {
      // Every master answered the health check over TLS with the ACL user.
      expect(health.masterCount).toBe(3);
      expect(health.clusterState).toBe('ok');
    }
    expect(logger.lines.join('\n')).not.toContain('app-secret-1');
    expect(JSON.stringify(connection.health())).not.toContain('app-secret-1');
  });

  it('fails fast with AuthError on a wrong password, without a reconnect storm', async () => {
    started = await startTopology(kind, { password: 'right-password' });
    const config = structuredClone(started.config);
    (config.options as Record<string, unknown>).password = 'wrong-password-123';
    const logger = recordingLogger();
    // The stressor: a health check every 50 ms would reconnect 20 times a second if each
    // check retried the refused credentials.
    connection = createConnection(config, { logger, healthCheckIntervalMs: 50 });

    const start = performance.now();
    const error = await connection.client.get('key').catch((caught: unknown) => caught);
    const elapsedMs = performance.now() - start;
    // The refusal itself, not the command deadline running out.
    expect(AuthError.isInstance(error)).toBe(true);
    expect((error as Error).message).not.toContain('wrong-password-123');
    expect(connection.state).toBe('down');
    await expect(connection.connect({ timeoutMs: 10_000 })).rejects.toSatisfy(AuthError.isInstance);

    // Later commands fail at once with the same error, and the server sees few new
    // connections while a second of health checks passes.
    const before = await totalConnections(started, 'right-password');
    const windowStart = performance.now();
    const attempts = await Promise.all(
      Array.from({ length: 30 }, () =>
        connection?.client.set('key', 'value').catch((caught: unknown) => caught),
      ),
    );
    const failedFast = attempts.filter((result) => AuthError.isInstance(result)).length;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, 1_000 - (performance.now() - windowStart))),
    );
    const after = await totalConnections(started, 'right-password');
    console.log(
      JSON.stringify({
        scenario: `wrong-password-${kind}`,
        firstErrorMs: Math.round(elapsedMs),
        failedFast,
        newConnectionsInOneSecond: after - before - 1,
      }),
    );
    expect(failedFast).toBe(30);
    expect(after - before - 1).toBeLessThanOrEqual(kind === 'cluster' ? 6 : 2);
    const logs = logger.lines.join('\n');
    expect(logs).toContain('refused the credentials');
    expect(logs).not.toContain('wrong-password-123');
    expect(logs).not.toContain('right-password');
  });
});

describe('credentials', () => {
  it('fails fast with AuthError for an unknown ACL user', async () => {
    started = await startTopology('standalone', {
      options: { username: 'nobody', password: 'x1234' },
    });
    connection = createConnection(started.config);
    await expect(connection.client.ping()).rejects.toSatisfy(AuthError.isInstance);
  });
});

describe.each(kinds)('credential rotation on %s', (kind) => {
  it('rotates credentials under load without dropping a command', async () => {
    started = await startTopology(kind, {
      password: 'admin-password',
      aclUsers: [{ name: 'rotator', password: 'old-password' }],
      options: { username: 'rotator', password: 'old-password' },
    });
    const current = started;
    const logger = recordingLogger();
    // A pool and a dedicated connection: every socket must take the new password.
    connection = createConnection(current.config, { logger, poolSize: 2 });
    const blocking = connection.dedicated();
    await connection.connect();
    await blocking.ping();
    // ACL users are per server: every data node is told, as an operator would.
    const admins = await Promise.all(
      dataNodes(current).map(async (node) => {
        const admin = current.raw(node);
        await admin.auth('admin-password');
        return admin;
      }),
    );
    const onEveryNode = (...args: string[]) =>
      Promise.all(admins.map((admin) => admin.call(args[0] as string, ...args.slice(1))));

    const load = new WriteLoad(connection.client, { writers: 20, prefix: 'rotate' });
    load.start();
    await current.topology.waitFor(() => load.acknowledged.length > 500, { timeoutMs: 30_000 });

    // The servers accept both passwords during the switch.
    await onEveryNode('ACL', 'SETUSER', 'rotator', '>new-password');
    await connection.rotateCredentials({ password: 'new-password' });
    await onEveryNode('ACL', 'SETUSER', 'rotator', '<old-password');
    // Every socket reconnects: only the new password can work now.
    await onEveryNode('CLIENT', 'KILL', 'USER', 'rotator');
    const ackedAtKill = load.acknowledged.length;
    await current.topology.waitFor(() => load.acknowledged.length > ackedAtKill + 500, {
      timeoutMs: 30_000,
      message: 'writes after reconnecting with the new password',
    });
    expect(await blocking.call('ACL', 'WHOAMI')).toBe('rotator');

    // A refused password leaves the working one in place.
    await expect(connection.rotateCredentials({ password: 'not-accepted' })).rejects.toSatisfy(
      AuthError.isInstance,
    );
    const ackedAfterRefusal = load.acknowledged.length;
    await current.topology.waitFor(() => load.acknowledged.length > ackedAfterRefusal + 100, {
      timeoutMs: 30_000,
    });
    const summary = await load.stop();
    const lost = await load.lostWrites();
    console.log(JSON.stringify({ scenario: `rotate-credentials-${kind}`, ...summary, lost }));
    expect(summary.errors).toBe(0);
    expect(lost).toBe(0);
    const logs = logger.lines.join('\n');
    for (const secret of ['old-password', 'new-password', 'not-accepted', 'admin-password']) {
      expect(logs).not.toContain(secret);
    }
  });
});
