import { existsSync } from 'node:fs';
import { expect } from 'vitest';

/** True when `process.kill(pid, 0)` succeeds: the pid exists (even as an unreaped zombie). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Asserts that none of `pids` exists any more (`process.kill(pid, 0)` fails with ESRCH, so they
 * were also reaped, not left as zombies) and that the topology's temp dir (if given) is gone.
 * Test support only.
 */
export function expectStopped(
  pids: readonly (number | undefined)[],
  dir: string | undefined,
): void {
  const defined = pids.filter((pid): pid is number => pid !== undefined);
  expect(defined.length).toBe(pids.length);
  expect(defined.filter((pid) => pidExists(pid))).toEqual([]);
  if (dir !== undefined) expect(existsSync(dir)).toBe(false);
}
