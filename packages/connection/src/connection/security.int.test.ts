import { AuthError } from '@redgrid/core';
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
      options: { username: 'app', password: 'app-secret-1', commandTimeoutMs: 3_000 },
    });
    const logger = recordingLogger();
    connection = createConnection(started.config, { logger, healthCheckIntervalMs: 100 });
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
    started = await startTopology(kind, {
      password: 'right-password',
      options: { commandTimeoutMs: 5_000 },
    });
    const config = structuredClone(started.config);
    (config.options as Record<string, unknown>).password = 'wrong-password-123';
    const logger = recordingLogger();
    connection = createConnection(config, { logger, healthCheckIntervalMs: 50 });

    const start = performance.now();
    const error = await connection.client.get('key').catch((caught: unknown) => caught);
    const elapsedMs = performance.now() - start;
    expect(AuthError.isInstance(error)).toBe(true);
    expect(elapsedMs).toBeLessThan(1_000);
    expect((error as Error).message).not.toContain('wrong-password-123');
    expect(connection.state).toBe('down');
    await expect(connection.connect({ timeoutMs: 2_000 })).rejects.toSatisfy(AuthError.isInstance);

    // Later commands fail at once with the same error; the server sees few new connections
    // over a one-second window of health checks every 50 ms.
    const before = await totalConnections(started, 'right-password');
    const windowStart = performance.now();
    let failedFast = 0;
    await started.topology.waitFor(
      async () => {
        const result = await connection?.client.set('key', 'value').catch((caught) => caught);
        if (AuthError.isInstance(result)) failedFast++;
        return performance.now() - windowStart > 1_000;
      },
      { timeoutMs: 5_000, intervalMs: 20, message: 'a one-second observation window' },
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
    expect(failedFast).toBeGreaterThan(10);
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

  it('rotates credentials under load without dropping a command', async () => {
    started = await startTopology('standalone', {
      password: 'admin-password',
      aclUsers: [{ name: 'rotator', password: 'old-password' }],
      options: { username: 'rotator', password: 'old-password', maxRetriesPerRequest: null },
    });
    const logger = recordingLogger();
    connection = createConnection(started.config, { logger, poolSize: 2 });
    const blocking = connection.dedicated();
    await connection.connect();
    await blocking.ping();
    const [master] = await started.masters();
    if (master === undefined) throw new Error('no master');
    const admin = started.raw(master);
    await admin.auth('admin-password');

    const load = new WriteLoad(connection.client, { writers: 20, prefix: 'rotate' });
    load.start();
    await started.topology.waitFor(() => load.acknowledged.length > 500, { timeoutMs: 10_000 });

    // The server accepts both passwords during the switch.
    await admin.call('ACL', 'SETUSER', 'rotator', '>new-password');
    await connection.rotateCredentials({ password: 'new-password' });
    await admin.call('ACL', 'SETUSER', 'rotator', '<old-password');
    // Every socket reconnects: only the new password can work now.
    await admin.call('CLIENT', 'KILL', 'USER', 'rotator');
    const ackedAtKill = load.acknowledged.length;
    await started.topology.waitFor(() => load.acknowledged.length > ackedAtKill + 500, {
      timeoutMs: 10_000,
      message: 'writes after reconnecting with the new password',
    });
    expect(await blocking.call('ACL', 'WHOAMI')).toBe('rotator');

    // A refused password leaves the working one in place.
    await expect(connection.rotateCredentials({ password: 'not-accepted' })).rejects.toSatisfy(
      AuthError.isInstance,
    );
    const ackedAfterRefusal = load.acknowledged.length;
    await started.topology.waitFor(() => load.acknowledged.length > ackedAfterRefusal + 100, {
      timeoutMs: 10_000,
    });
    const summary = await load.stop();
    console.log(JSON.stringify({ scenario: 'rotate-credentials', ...summary }));
    expect(summary.errors).toBe(0);
    expect(await load.lostWrites()).toBe(0);
    const logs = logger.lines.join('\n');
    for (const secret of ['old-password', 'new-password', 'not-accepted', 'admin-password']) {
      expect(logs).not.toContain(secret);
    }
  });
});
