import { createHash } from 'node:crypto';
import { loadConfigFromEnv } from '@redgrid/core';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from '../connection/create-connection.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import type { Logger } from '../logging/logger.js';

let server: StandaloneTopology | undefined;
let connection: RedisConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await server?.stop();
  connection = undefined;
  server = undefined;
});

function recordingLogger() {
  const lines: Array<{ message: string; details: Record<string, unknown> }> = [];
  const record = (details: Record<string, unknown>, message: string) =>
    lines.push({ message, details });
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  return { logger, audit: () => lines.filter((line) => line.details.audit === true), lines };
}

describe('audit log (REDIS_AUDIT)', () => {
  it('records writes with hashed keys and the node, breaker transitions and credential rotations; never a value or a secret', async () => {
    server = await startStandalone({ password: 'audit-password' });
    const { logger, audit, lines } = recordingLogger();
    connection = createConnection(
      loadConfigFromEnv({ ...server.env(), REDIS_AUDIT: 'true', REDIS_AUDIT_WRITES: 'true' }),
      { logger },
    );
    await connection.client.set('audit:key', 'super-secret-value');
    await connection.client.get('audit:key');
    await connection.client.lpush('audit:key', 'x').catch(() => {});
    connection.breaker.open({ durationMs: 10 });
    connection.breaker.close();
    await connection.rotateCredentials({ password: 'audit-password' });

    const hashed = createHash('sha256').update('audit:key').digest('hex').slice(0, 16);
    const node = `127.0.0.1:${server.port}`;
    expect(audit().map((line) => line.details)).toEqual([
      expect.objectContaining({
        act: 'write',
        command: 'SET',
        key: hashed,
        node,
        outcome: 'success',
      }),
      expect.objectContaining({
        act: 'write',
        command: 'LPUSH',
        key: hashed,
        outcome: 'reply-error',
        error: 'WRONGTYPE',
      }),
      expect.objectContaining({ act: 'breaker', outcome: 'open', reason: 'manual' }),
      expect.objectContaining({ act: 'breaker', outcome: 'closed' }),
      expect.objectContaining({ act: 'credentials-rotated', outcome: 'succeeded' }),
    ]);
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain('super-secret-value');
    expect(everything).not.toContain('audit-password');
    expect(everything).not.toContain('audit:key');
  });

  it('writes keys as they are with REDIS_AUDIT_KEYS=plain, and nothing without REDIS_AUDIT', async () => {
    server = await startStandalone();
    const plain = recordingLogger();
    connection = createConnection(
      loadConfigFromEnv({
        ...server.env(),
        REDIS_AUDIT: 'true',
        REDIS_AUDIT_WRITES: 'true',
        REDIS_AUDIT_KEYS: 'plain',
      }),
      { logger: plain.logger },
    );
    await connection.client.set('plain:key', 'value');
    expect(plain.audit().map((line) => line.details.key)).toEqual(['plain:key']);
    await connection.close();

    const off = recordingLogger();
    connection = createConnection(loadConfigFromEnv(server.env()), { logger: off.logger });
    await connection.client.set('plain:key', 'value');
    connection.breaker.open({ durationMs: 10 });
    expect(off.audit()).toEqual([]);
  });
});
