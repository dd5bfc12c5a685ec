import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './ports/port-lock.js';
import { sendCommand } from './resp/send-command.js';
import { waitFor } from './topology/wait-for.js';

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const tsx = path.join(packageDir, '../../node_modules/.bin/tsx');

interface RunningCli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startCli(args: string[]): RunningCli {
  const child = spawn(tsx, ['src/cli.ts', ...args], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

async function waitUntilServing(cli: RunningCli): Promise<{ port: number; pid: number }> {
  try {
    await waitFor(() => cli.output().includes('Press Ctrl-C'), {
      timeoutMs: 30_000,
      message: 'CLI printed its addresses',
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\nCLI output so far:\n${cli.output()}`);
  }
  const port = Number(/^REDIS_PORT=(\d+)$/m.exec(cli.output())?.[1]);
  const pid = Number(/server-1 +127\.0\.0\.1:\d+ +master +pid (\d+)/.exec(cli.output())?.[1]);
  expect(port).toBeGreaterThan(0);
  expect(pid).toBeGreaterThan(0);
  return { port, pid };
}

describe('redis:up CLI', () => {
  it('prints the env of a running server and stops it on SIGTERM', async () => {
    const cli = startCli(['standalone', '--password', 'cli pw']);
    try {
      const { port, pid } = await waitUntilServing(cli);
      expect(cli.output()).toContain('REDIS_HOST=127.0.0.1');
      expect(cli.output()).toContain("REDIS_PASSWORD='cli pw'");
      expect(await sendCommand({ host: '127.0.0.1', port, password: 'cli pw' }, ['PING'])).toBe(
        'PONG',
      );
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toContain('SIGTERM: stopping...');
      expect(isProcessAlive(pid)).toBe(false);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('stops its servers when its launcher is killed without forwarding a signal', async () => {
    const cli = startCli(['standalone']);
    try {
      const { pid } = await waitUntilServing(cli);
      // SIGKILL the tsx launcher: the CLI process itself gets no signal (as under pnpm).
      cli.child.kill('SIGKILL');
      await waitFor(() => !isProcessAlive(pid), {
        timeoutMs: 10_000,
        message: 'redis-server stopped after its launcher died',
      });
      await waitFor(() => cli.output().includes('Stopped:'), {
        timeoutMs: 15_000,
        message: 'CLI reported the stop',
      });
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('exits with a usage error for an unknown topology', async () => {
    const cli = startCli(['replicaset']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('Unknown topology "replicaset"');
  });
});
