// Test support (not published): runs the real `redgrid` bin (bin/redgrid.mjs, which runs the
// sources through tsx inside the repository) as a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const binPath = fileURLToPath(new URL('../../bin/redgrid.mjs', import.meta.url));

/** A running bin: its output so far, and its exit. */
export interface RunningBin {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `redgrid <args>` with `env` on top of a clean environment (PATH, HOME kept). */
export function startBin(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): RunningBin {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  const child = spawn(process.execPath, [binPath, ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd === undefined ? {} : { cwd }),
  });
  const running: RunningBin = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal }));
    }),
  };
  child.stdout?.on('data', (data: Buffer) => {
    running.stdout += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    running.stderr += data.toString();
  });
  return running;
}

/** Runs `redgrid <args>` to completion. */
export async function runBin(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const running = startBin(args, env, cwd);
  const { code } = await running.exited;
  return { code, stdout: running.stdout, stderr: running.stderr };
}

/** Parses the JSON a `--json` run printed, with the run's stderr in the error if it is not JSON. */
export function jsonOf<T>(run: { stdout: string; stderr: string }): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON: ${run.stdout}\nstderr: ${run.stderr}`);
  }
}
