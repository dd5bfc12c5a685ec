import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompatError } from '../errors/compat-error.js';

/** Options for {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up (`ERR_COMPAT_LOCK`) when the lock is still held after this long. */
  timeoutMs?: number;
  /** How often a waiter looks again. */
  pollMs?: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `action` while holding an exclusive lock file (created with `wx`, holding the owner's
 * pid), so that two test processes never build and pack the same workspace packages at the
 * same time (one would pack a `dist` the other is rewriting). A lock whose owner process is
 * gone is taken over; the lock is released even when `action` throws. Waiting is a poll, not a
 * measurement: the deadline only turns a stuck owner into an error.
 */
export async function withFileLock<T>(
  lockFile: string,
  action: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const { timeoutMs = 15 * 60_000, pollMs = 250 } = options;
  await mkdir(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new CompatError(
        'ERR_COMPAT_LOCK',
        `${lockFile} is still held by process ${owner || '(unknown)'} after ${timeoutMs} ms: stop that process or delete the file`,
      );
    await sleep(pollMs);
  }
  try {
    return await action();
  } finally {
    await rm(lockFile, { force: true });
  }
}
