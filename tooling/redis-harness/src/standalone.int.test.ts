import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tryAcquirePort } from './ports/acquire-port.js';
import { sendCommand } from './resp/send-command.js';
import { expectStopped } from './test-support/expect-stopped.js';
import { startStandalone } from './topology/start-standalone.js';

describe('startStandalone', () => {
  it('serves SET/GET, points env() at itself, and stop() leaves no process or dir behind', async () => {
    const redis = await startStandalone();
    const target = { host: redis.host, port: redis.port };
    expect(await sendCommand(target, ['SET', 'greeting', 'hello'])).toBe('OK');
    expect(await sendCommand(target, ['GET', 'greeting'])).toBe('hello');
    expect(redis.env()).toEqual({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) });
    expect(redis.nodes).toEqual([redis.node]);
    const pid = redis.node.pid;
    const dir = redis.dir;
    expect(existsSync(dir)).toBe(true);
    await redis.stop();
    await redis.stop();
    expectStopped([pid], dir);
    // The port is free again: it can be bound and locked (the lock keeps other harness users
    // from starting a server there while nothing must answer on it).
    const lease = await tryAcquirePort(target.port);
    try {
      expect(lease?.port).toBe(target.port);
      await expect(sendCommand(target, ['PING'], { timeoutMs: 5_000 })).rejects.toMatchObject({
        code: 'ERR_HARNESS_CONNECTION',
      });
    } finally {
      lease?.release();
    }
  });

  it('starts several servers at once on distinct ports and stops them with await using', async () => {
    const pids: (number | undefined)[] = [];
    const dirs: string[] = [];
    {
      await using first = await startStandalone();
      await using second = await startStandalone();
      await using third = await startStandalone();
      const ports = new Set([first.port, second.port, third.port]);
      expect(ports.size).toBe(3);
      for (const redis of [first, second, third]) {
        pids.push(redis.node.pid);
        dirs.push(redis.dir);
      }
    }
    for (const [index, pid] of pids.entries()) expectStopped([pid], dirs[index]);
  });

  it('requires the password and accepts ACL users', async () => {
    await using redis = await startStandalone({
      password: 'top secret',
      aclUsers: [
        { name: 'app', password: 'app-pw' },
        { name: 'reader', password: 'reader-pw', rules: '~* +@read' },
      ],
    });
    const address = { host: redis.host, port: redis.port };
    await expect(sendCommand(address, ['GET', 'k'])).rejects.toThrow(/NOAUTH/);
    await expect(sendCommand({ ...address, password: 'wrong' }, ['PING'])).rejects.toMatchObject({
      code: 'ERR_HARNESS_REPLY',
      message: expect.stringMatching(/WRONGPASS/),
    });
    expect(await sendCommand({ ...address, password: 'top secret' }, ['PING'])).toBe('PONG');
    const app = { ...address, username: 'app', password: 'app-pw' };
    expect(await sendCommand(app, ['SET', 'k', 'v'])).toBe('OK');
    const reader = { ...address, username: 'reader', password: 'reader-pw' };
    expect(await sendCommand(reader, ['GET', 'k'])).toBe('v');
    await expect(sendCommand(reader, ['SET', 'k', 'w'])).rejects.toThrow(/NOPERM/);
    await expect(
      sendCommand({ ...address, username: 'app', password: 'nope' }, ['PING']),
    ).rejects.toThrow(/WRONGPASS/);
    expect(redis.env()).toMatchObject({ REDIS_PASSWORD: 'top secret' });
  });

  it('serves TLS only, verified with the generated CA', async () => {
    await using redis = await startStandalone({ tls: true });
    const tls = redis.tls;
    if (tls === undefined) throw new Error('no TLS material');
    expect(readFileSync(tls.caPath, 'utf8')).toBe(tls.ca);
    // CA only (client certificate optional) ...
    const caOnly = { host: redis.host, port: redis.port, tls: { ca: tls.ca } };
    expect(await sendCommand(caOnly, ['SET', 'k', 'tls'])).toBe('OK');
    // ... and mutual TLS with the generated client certificate.
    const mutual = { ...caOnly, tls: { ca: tls.ca, cert: tls.cert, key: tls.key } };
    expect(await sendCommand(mutual, ['GET', 'k'])).toBe('tls');
    // A server certificate not signed by the given CA is refused.
    const otherCa = tls.cert;
    await expect(
      sendCommand({ ...caOnly, tls: { ca: otherCa } }, ['PING'], { timeoutMs: 10_000 }),
    ).rejects.toMatchObject({ code: 'ERR_HARNESS_CONNECTION' });
    // Plain TCP gets no RESP answer on the TLS port: the server drops the connection.
    await expect(
      sendCommand({ host: redis.host, port: redis.port }, ['PING'], { timeoutMs: 10_000 }),
    ).rejects.toMatchObject({ code: 'ERR_HARNESS_CONNECTION' });
    expect(redis.env()).toMatchObject({
      REDIS_TLS: 'true',
      REDIS_TLS_CA: tls.caPath,
      REDIS_TLS_CERT: tls.certPath,
      REDIS_TLS_KEY: tls.keyPath,
    });
  });

  it('pauses and resumes a server', async () => {
    await using redis = await startStandalone();
    const target = { host: redis.host, port: redis.port };
    await redis.pause(redis.node);
    await expect(sendCommand(target, ['PING'], { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'ERR_HARNESS_TIMEOUT',
    });
    await redis.resume(redis.node);
    expect(await sendCommand(target, ['PING'])).toBe('PONG');
  });

  it('restarts a killed or running server on the same port', async () => {
    await using redis = await startStandalone({ args: ['--maxmemory', '64mb'] });
    const target = { host: redis.host, port: redis.port };
    const firstPid = redis.node.pid;
    await redis.kill(redis.node);
    expect(redis.node.pid).toBeUndefined();
    expectStopped([firstPid], undefined);
    await expect(sendCommand(target, ['PING'], { timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'ERR_HARNESS_CONNECTION',
    });
    await redis.restart(redis.node);
    const secondPid = redis.node.pid;
    expect(secondPid).toBeDefined();
    expect(secondPid).not.toBe(firstPid);
    expect(redis.port).toBe(target.port);
    expect(await sendCommand(target, ['CONFIG', 'GET', 'maxmemory'])).toEqual([
      'maxmemory',
      String(64 * 1024 * 1024),
    ]);
    await redis.pause(redis.node);
    await redis.restart(redis.node);
    expect(redis.node.pid).not.toBe(secondPid);
    expect(await sendCommand(target, ['PING'])).toBe('PONG');
  });

  it('waitFor resolves when the condition holds and fails with the message after the deadline', async () => {
    await using redis = await startStandalone();
    let calls = 0;
    await redis.waitFor(() => ++calls >= 3, { timeoutMs: 10_000, intervalMs: 10 });
    expect(calls).toBe(3);
    await expect(
      redis.waitFor(() => false, { timeoutMs: 100, intervalMs: 10, message: 'never' }),
    ).rejects.toMatchObject({
      code: 'ERR_HARNESS_TIMEOUT',
      message: expect.stringMatching(/^never/),
    });
  });

  it('reports a server that cannot start with the tail of its log', async () => {
    await expect(startStandalone({ args: ['--no-such-option', 'x'] })).rejects.toMatchObject({
      code: 'ERR_HARNESS_START',
      message: expect.stringMatching(
        /exited during start[\s\S]*last 25 lines[\s\S]*no-such-option/,
      ),
    });
  });

  it('lets a script that starts and stops a topology exit by itself (no leaked handles)', async () => {
    const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
    const tsx = path.join(packageDir, '../../node_modules/.bin/tsx');
    const scriptDir = mkdtempSync(path.join(os.tmpdir(), 'redis-harness-script-'));
    const scriptPath = path.join(scriptDir, 'start-stop.mts');
    const index = JSON.stringify(path.join(packageDir, 'src/index.ts'));
    const script = [
      `import { startStandalone, sendCommand } from ${index};`,
      'const redis = await startStandalone();',
      "await sendCommand({ host: redis.host, port: redis.port }, ['PING']);",
      'await redis.stop();',
      "console.log('stopped', redis.node.port);",
    ].join('\n');
    writeFileSync(scriptPath, script);
    try {
      const output = await new Promise<string>((resolve, reject) => {
        // The timeout kills a script that never exits: the test fails instead of hanging.
        execFile(tsx, [scriptPath], { cwd: packageDir, timeout: 20_000 }, (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        );
      });
      expect(output).toMatch(/^stopped \d+/);
    } finally {
      rmSync(scriptDir, { recursive: true, force: true });
    }
  });
});
