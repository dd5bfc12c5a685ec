import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from './with-file-lock.js';

let directory: string;
let lockFile: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'redgrid-lock-'));
  lockFile = path.join(directory, 'nested', 'build.lock');
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('withFileLock', () => {
  it('runs holders one at a time', async () => {
    const events: string[] = [];
    const holder = (name: string) =>
      withFileLock(
        lockFile,
        async () => {
          events.push(`${name} in`);
          await sleep(50);
          events.push(`${name} out`);
        },
        { pollMs: 10 },
      );
    await Promise.all([holder('a'), holder('b')]);
    expect(events).toHaveLength(4);
    expect(events[0]?.endsWith(' in')).toBe(true);
    expect(events[1]).toBe(events[0]?.replace(' in', ' out'));
  });

  it('takes over a lock whose owner process is gone', async () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    await withFileLock(lockFile, async () => undefined);
    await writeFile(lockFile, String(exited));
    expect(await withFileLock(lockFile, async () => 'ran', { timeoutMs: 5_000 })).toBe('ran');
  });

  it('releases the lock when the action throws', async () => {
    await expect(
      withFileLock(lockFile, async () => {
        expect(await readFile(lockFile, 'utf8')).toBe(String(process.pid));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(readFile(lockFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives up with ERR_COMPAT_LOCK while a live process holds the lock', async () => {
    await withFileLock(lockFile, async () => undefined);
    await writeFile(lockFile, String(process.ppid));
    await expect(
      withFileLock(lockFile, async () => undefined, { timeoutMs: 100, pollMs: 10 }),
    ).rejects.toMatchObject({ code: 'ERR_COMPAT_LOCK' });
  });
});
