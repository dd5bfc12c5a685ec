import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquirePort,
  defaultPortRange,
  type PortLease,
  pickPortCandidate,
  portsFor,
  tryAcquirePort,
} from './acquire-port.js';
import { isPortFree } from './is-port-free.js';
import { lockPort } from './port-lock.js';

/** A random source that returns the given values in turn, then keeps returning the last. */
function sequence(...values: number[]): () => number {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)] ?? 0;
}

/** The fraction that makes pickPortCandidate return `port` within `range`. */
function fractionFor(port: number, range = defaultPortRange): number {
  return (port - range.min + 0.5) / (range.max - range.min + 1);
}

/** Listens on an OS-chosen loopback port; returns it and a closer. */
async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    port: address.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let lockDir: string;
const globalLeases: PortLease[] = [];
beforeEach(() => {
  lockDir = mkdtempSync(path.join(os.tmpdir(), 'redis-harness-locks-'));
});
afterEach(() => {
  for (const lease of globalLeases.splice(0)) lease.release();
  rmSync(lockDir, { recursive: true, force: true });
});

/**
 * A free port locked in the shared lock dir as well (released after the test), so that other
 * harness users (parallel test files, other checkouts) do not start a server on it while a test
 * working with its private `lockDir` expects it to stay bindable.
 */
async function reservedPort(): Promise<number> {
  const lease = await acquirePort();
  globalLeases.push(lease);
  return lease.port;
}

describe('pickPortCandidate', () => {
  it('maps [0, 1) onto the inclusive range', () => {
    const range = { min: 100, max: 109 };
    expect(pickPortCandidate(() => 0, range)).toBe(100);
    expect(pickPortCandidate(() => 0.999999, range)).toBe(109);
    expect(pickPortCandidate(() => 0.5, range)).toBe(105);
  });

  it('keeps the default range so that port + 10000 stays below the ephemeral range', () => {
    expect(defaultPortRange.max + 10000).toBeLessThan(32768);
  });
});

describe('portsFor', () => {
  it('adds the cluster bus port only when asked', () => {
    expect(portsFor(7000, undefined)).toEqual([7000]);
    expect(portsFor(7000, 10000)).toEqual([7000, 17000]);
  });
});

describe('acquirePort', () => {
  it('returns a bind-tested port and holds a lock file with our pid until release', async () => {
    const port = await reservedPort();
    const lease = await acquirePort({ lockDir, range: { min: port, max: port } });
    expect(lease.port).toBe(port);
    const lockFile = path.join(lockDir, `${lease.port}.lock`);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    expect(await isPortFree(lease.port)).toBe(true);
    lease.release();
    lease.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('never hands out a locked port twice', async () => {
    const first = await acquirePort({ lockDir, random: () => 0.25 });
    const second = await acquirePort({
      lockDir,
      random: sequence(0.25, 0.25, 0.5, 0.75, 0.1, 0.9, 0.3, 0.6),
    });
    expect(second.port).not.toBe(first.port);
    first.release();
    second.release();
  });

  it('locks and checks the bus port of a cluster node too', async () => {
    const lease = await acquirePort({ lockDir, busPortOffset: 10000 });
    expect(lease.ports).toEqual([lease.port, lease.port + 10000]);
    expect(existsSync(path.join(lockDir, `${lease.port + 10000}.lock`))).toBe(true);
    lease.release();
  });

  it('skips a port some other program listens on', async () => {
    const busy = await occupy();
    try {
      const range = { min: busy.port - 100, max: busy.port + 100 };
      let calls = 0;
      // First candidate: the busy port; then random ones (neighbours may be busy too).
      const random = () => (calls++ === 0 ? fractionFor(busy.port, range) : Math.random());
      const lease = await acquirePort({ lockDir, range, random });
      expect(calls).toBeGreaterThan(1);
      expect(lease.port).not.toBe(busy.port);
      lease.release();
    } finally {
      await busy.close();
    }
  });

  it('skips a port whose bus port is taken', async () => {
    const busy = await occupy();
    try {
      expect(await tryAcquirePort(busy.port - 10000, { lockDir, busPortOffset: 10000 })).toBe(
        undefined,
      );
      // The client port's lock is released again when the bus port is unusable.
      expect(existsSync(path.join(lockDir, `${busy.port - 10000}.lock`))).toBe(false);
    } finally {
      await busy.close();
    }
  });

  it('respects a lock held by another live process', async () => {
    const lease = await acquirePort({ lockDir });
    lease.release();
    writeFileSync(path.join(lockDir, `${lease.port}.lock`), String(process.ppid));
    expect(await tryAcquirePort(lease.port, { lockDir })).toBeUndefined();
  });

  it('takes over a stale lock whose owner is gone', async () => {
    const port = await reservedPort();
    const lease = await acquirePort({ lockDir, range: { min: port, max: port } });
    lease.release();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(path.join(lockDir, `${lease.port}.lock`), String(dead));
    const again = await tryAcquirePort(lease.port, { lockDir });
    expect(again?.port).toBe(lease.port);
    again?.release();
  });

  it('fails with ERR_HARNESS_PORTS when the range has nothing free', async () => {
    const lease = await acquirePort({ lockDir });
    const range = { min: lease.port, max: lease.port };
    await expect(acquirePort({ lockDir, range, maxAttempts: 3 })).rejects.toMatchObject({
      code: 'ERR_HARNESS_PORTS',
    });
    lease.release();
  });

  it('does not treat its own lock as stale', () => {
    expect(lockPort(40001, lockDir)).toBe(true);
    expect(lockPort(40001, lockDir)).toBe(false);
  });
});
