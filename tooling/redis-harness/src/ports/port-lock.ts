import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Default folder of the per-port lock files: one per user, so that two users of one machine
 * never fight over permissions (they are still kept apart by the bind test).
 */
export function defaultLockDir(): string {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return path.join(os.tmpdir(), `redgrid-redis-harness-ports-${user}`);
}

/**
 * True when a process with this pid exists and is not a zombie (EPERM means it exists but is
 * someone else's). Zombies count as dead: an orphan killed by the 'exit' handler or the
 * watchdog stays a zombie until init reaps it, which some container inits do only lazily.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (not Linux), or it exited meanwhile.
    return !existsSync('/proc');
  }
}

function lockPath(lockDir: string, port: number): string {
  return path.join(lockDir, `${port}.lock`);
}

function createLock(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function readOwner(file: string): number | undefined {
  try {
    const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(owner) && owner > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock file of `port` for this process (`O_EXCL` create holding our pid). A lock
 * whose owner process is gone (a worker that was SIGKILLed) is stale and taken over. Gotcha:
 * two processes taking over the same stale lock at the same instant could both succeed; the
 * bind failure retry of redis-server is the last line of defence for that rare case.
 */
export function lockPort(port: number, lockDir: string): boolean {
  mkdirSync(lockDir, { recursive: true });
  const file = lockPath(lockDir, port);
  if (createLock(file)) return true;
  const owner = readOwner(file);
  if (owner === process.pid) return false;
  if (owner !== undefined && isProcessAlive(owner)) return false;
  rmSync(file, { force: true });
  return createLock(file);
}

/** Removes the lock file of `port` if this process holds it. Synchronous: safe in 'exit'. */
export function unlockPort(port: number, lockDir: string): void {
  const file = lockPath(lockDir, port);
  if (readOwner(file) === process.pid) rmSync(file, { force: true });
}
