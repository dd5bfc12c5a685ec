import { readFileSync } from 'node:fs';
import { isProcessAlive } from '../ports/port-lock.js';

/** Process names of the launchers between a shell and the CLI (`pnpm` → `sh` → `tsx` → node). */
const launchers = new Set(['node', 'pnpm', 'npm', 'npx', 'sh', 'dash', 'tsx', 'corepack']);

function readProc(pid: number): { ppid: number; name: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? { ppid, name } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The parent and the chain of launcher processes above it (Linux `/proc`; elsewhere only the
 * parent). `pnpm redis:up` runs the CLI as pnpm → pnpm → sh → tsx → node, and pnpm 12 does not
 * forward SIGTERM to its script: without watching the whole chain, `kill <pnpm pid>` would
 * orphan the CLI and its servers.
 */
export function launcherChain(pid = process.pid): number[] {
  const chain: number[] = [];
  let current = readProc(pid)?.ppid ?? process.ppid;
  for (let depth = 0; depth < 16 && current > 1; depth++) {
    chain.push(current);
    const info = readProc(current);
    if (info === undefined || !launchers.has(info.name)) break;
    current = info.ppid;
  }
  return chain;
}

/**
 * Calls `onGone` once when any process of the launcher chain has exited (checked every
 * `intervalMs`). Returns a function that stops watching. The timer does not hold the process.
 */
export function watchAncestors(onGone: (pid: number) => void, intervalMs = 500): () => void {
  const chain = launcherChain();
  const timer = setInterval(() => {
    const gone = chain.find((pid) => !isProcessAlive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
