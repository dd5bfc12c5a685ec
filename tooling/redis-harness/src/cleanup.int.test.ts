import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from './ports/port-lock.js';
import { waitFor } from './topology/wait-for.js';

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const scriptDir = mkdtempSync(path.join(os.tmpdir(), 'redis-harness-cleanup-'));

afterAll(() => {
  rmSync(scriptDir, { recursive: true, force: true });
});

/**
 * Runs a script (one Node process, tsx as loader) that starts a cluster-less standalone server,
 * prints `<pid> <dir>`, then does `ending`. Resolves once the line is printed.
 */
function runScript(ending: string) {
  const file = path.join(scriptDir, `script-${Math.random().toString(36).slice(2)}.mts`);
  const index = JSON.stringify(path.join(packageDir, 'src/index.ts'));
  writeFileSync(
    file,
    [
      `import { startStandalone } from ${index};`,
      'const redis = await startStandalone();',
      "console.log(String(redis.node.pid) + ' ' + redis.dir);",
      ending,
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = new Promise<{ pid: number; dir: string }>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^(\d+) (\S+)$/m.exec(output);
      if (match?.[1] !== undefined && match[2] !== undefined) {
        resolve({ pid: Number(match[1]), dir: match[2] });
      }
    });
    child.once('exit', (code) => reject(new Error(`script exited with ${code}: ${output}`)));
  });
  return { child, started, exited };
}

describe('cleanup when a test process does not stop its topology', () => {
  it('process.exit() runs the exit handler: temp dir removed before the process ends, servers killed', async () => {
    const script = runScript('process.exit(1);');
    const { pid, dir } = await script.started;
    await script.exited;
    // Removed synchronously in the 'exit' handler.
    expect(existsSync(dir)).toBe(false);
    // SIGKILL was sent synchronously too; the orphan is then reaped by init, shortly after.
    await waitFor(() => !isProcessAlive(pid), {
      timeoutMs: 10_000,
      intervalMs: 20,
      message: 'redis-server gone',
    });
  });

  it('a SIGKILLed process is cleaned up by the watchdog', async () => {
    const script = runScript('setInterval(() => {}, 1000);');
    const { pid, dir } = await script.started;
    expect(isProcessAlive(pid)).toBe(true);
    script.child.kill('SIGKILL');
    await script.exited;
    await waitFor(() => !isProcessAlive(pid) && !existsSync(dir), {
      timeoutMs: 30_000,
      message: 'watchdog killed the orphaned redis-server and removed its dir',
    });
  });
});
