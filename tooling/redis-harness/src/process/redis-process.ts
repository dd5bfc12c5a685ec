import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../errors/harness-error.js';
import { acquirePort, type PortLease, tryAcquirePort } from '../ports/acquire-port.js';
import type { RespValue } from '../resp/resp-parser.js';
import {
  type CommandTarget,
  commandTimeoutMs,
  sendCommand,
  sendCommands,
} from '../resp/send-command.js';
import type { RedisNode } from '../topology/types.js';
import { errorMessage, sleep, withDeadline } from '../util/deadline.js';

/** How long a signalled process may take to show as stopped or running again in /proc. */
const stateChangeTimeoutMs = 10_000;

/** How one node is started. */
export interface RedisProcessOptions {
  id: string;
  kind: 'server' | 'sentinel';
  /** The node's own folder (config, log, data). */
  dir: string;
  /** Folder of pid files read by the watchdog. */
  pidsDir: string;
  serverBin: string;
  /** Config file content for a port (written before each first-start attempt only). */
  renderConfig: (port: number) => string;
  /** Extra command-line arguments after the config file. */
  extraArgs?: readonly string[] | undefined;
  /** Also hold port + offset (cluster bus). */
  busPortOffset?: number | undefined;
  /** Port to try first; a random free port when it is taken. */
  preferredPort?: number | undefined;
  /** Credentials and TLS the harness uses to talk to this node (read at each command). */
  connection: () => Omit<CommandTarget, 'host' | 'port'>;
  startTimeoutMs: number;
}

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** redis-server could not bind its port (taken since we checked): retry on another port. */
class PortInUseError extends Error {}

const maxPortAttempts = 5;

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/**
 * One redis-server or sentinel process owned by a topology. It picks its port on first start
 * (retrying on a new port when redis-server fails to bind), keeps that port for restarts, and
 * tracks its current child process. Logs (stdout and stderr) go to `<dir>/redis.log` through a
 * file descriptor, so no pipe keeps the Node process alive.
 */
export class RedisProcess implements RedisNode {
  readonly host = '127.0.0.1' as const;
  readonly id: string;
  readonly kind: 'server' | 'sentinel';
  readonly dir: string;
  readonly logPath: string;
  readonly configPath: string;
  readonly #options: RedisProcessOptions;
  #port = 0;
  #lease: PortLease | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<ExitInfo> | undefined;
  #exitInfo: ExitInfo | undefined;
  #paused = false;

  constructor(options: RedisProcessOptions) {
    this.#options = options;
    this.id = options.id;
    this.kind = options.kind;
    this.dir = options.dir;
    this.logPath = path.join(options.dir, 'redis.log');
    this.configPath = path.join(
      options.dir,
      options.kind === 'sentinel' ? 'sentinel.conf' : 'redis.conf',
    );
  }

  get port(): number {
    return this.#port;
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  /** A process was started and has not exited. */
  get running(): boolean {
    return this.#child !== undefined && this.#exitInfo === undefined;
  }

  /** Stopped with SIGSTOP and not resumed. */
  get paused(): boolean {
    return this.#paused && this.running;
  }

  /** Running and not paused: expected to answer. */
  get serving(): boolean {
    return this.running && !this.#paused;
  }

  /** Address, credentials and TLS for harness commands. */
  get target(): CommandTarget {
    return { ...this.#options.connection(), host: this.host, port: this.#port };
  }

  /** Sends one command (see `sendCommand`), failing on an error reply. */
  call(args: readonly (string | number)[], timeoutMs = commandTimeoutMs): Promise<RespValue> {
    return sendCommand(this.target, args, { timeoutMs });
  }

  /** `host:port (id)` for messages. */
  describe(): string {
    return `${this.id} (127.0.0.1:${this.#port})`;
  }

  /** The last `lines` lines of the node's log, framed for an error message. */
  logTail(lines = 25): string {
    let text = '';
    try {
      text = readFileSync(this.logPath, 'utf8');
    } catch {
      return `(no log at ${this.logPath})`;
    }
    const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
    return `--- last ${lines} lines of ${this.id} log (${this.logPath}) ---\n${tail}\n--- end of log ---`;
  }

  /**
   * First start: takes the preferred port when free, else a random free one; writes the config
   * and starts the process; on a bind failure tries again with another port.
   */
  async start(): Promise<void> {
    if (this.#lease) throw new Error(`${this.id} was already started`);
    mkdirSync(this.dir, { recursive: true });
    const tried = new Set<number>();
    const portOptions = { busPortOffset: this.#options.busPortOffset, exclude: tried };
    for (let attempt = 0; attempt < maxPortAttempts; attempt++) {
      const preferred = attempt === 0 ? this.#options.preferredPort : undefined;
      const lease =
        (preferred === undefined ? undefined : await tryAcquirePort(preferred, portOptions)) ??
        (await acquirePort(portOptions));
      this.#lease = lease;
      this.#port = lease.port;
      writeFileSync(this.configPath, this.#options.renderConfig(lease.port));
      try {
        await this.#spawnAndWait();
        return;
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        tried.add(lease.port);
        lease.release();
        this.#lease = undefined;
      }
    }
    throw new HarnessError(
      'ERR_HARNESS_PORTS',
      `${this.id} could not bind a port after ${maxPortAttempts} attempts (tried ${[...tried].join(', ')}).\n${this.logTail()}`,
    );
  }

  /** Starts the process again on its port (after kill, or gracefully stops it first). */
  async restart(): Promise<void> {
    if (!this.#lease) throw new Error(`${this.id} was never started`);
    if (this.running) await this.shutdown();
    try {
      await this.#spawnAndWait();
    } catch (error) {
      if (error instanceof PortInUseError) {
        throw new HarnessError(
          'ERR_HARNESS_START',
          `${this.describe()} could not restart: its port is now used by another process.\n${this.logTail()}`,
        );
      }
      throw error;
    }
  }

  async #spawnAndWait(): Promise<void> {
    const logOffset = existsSync(this.logPath) ? statSync(this.logPath).size : 0;
    const args = [this.configPath];
    if (this.kind === 'sentinel') args.push('--sentinel');
    args.push(...(this.#options.extraArgs ?? []));
    const fd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      // detached: its own process group, so Ctrl-C in a terminal reaches only the Node process,
      // which then stops the servers in order.
      child = spawn(this.#options.serverBin, args, {
        cwd: this.dir,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.#child = child;
    this.#exitInfo = undefined;
    this.#paused = false;
    this.#exited = new Promise<ExitInfo>((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.#child === child) this.#exitInfo = info;
        rmSync(path.join(this.#options.pidsDir, this.id), { force: true });
        resolve(info);
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', (error) => done({ code: null, signal: null, error }));
    });
    child.unref();
    if (child.pid !== undefined) {
      try {
        writeFileSync(path.join(this.#options.pidsDir, this.id), String(child.pid));
      } catch {
        // The pids dir is gone only when the topology is being stopped.
      }
    }
    await this.#waitUntilServing(child, logOffset);
  }

  async #waitUntilServing(child: ChildProcess, logOffset: number): Promise<void> {
    const timeoutMs = this.#options.startTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no answer yet';
    for (;;) {
      const exit = this.#exitInfo;
      if (exit !== undefined || child.exitCode !== null) {
        const log = this.#logSince(logOffset);
        if (/Address already in use/i.test(log)) throw new PortInUseError(log);
        const how = exit?.error
          ? `could not be started (${exit.error.message}; is ${this.#options.serverBin} a redis-server binary?)`
          : `exited during start (code ${exit?.code ?? child.exitCode}, signal ${exit?.signal ?? 'none'})`;
        throw new HarnessError(
          'ERR_HARNESS_START',
          `${this.describe()} ${how}.\n${this.logTail()}`,
        );
      }
      try {
        // INFO's process_id proves we reached our own process (not another server that took
        // the port meanwhile); PING fails with LOADING until the dataset is loaded.
        const [info, pong] = await sendCommands(this.target, [['INFO', 'server'], ['PING']], {
          timeoutMs: Math.min(1000, Math.max(100, deadline - Date.now())),
        });
        const pid = typeof info === 'string' ? /process_id:(\d+)/.exec(info)?.[1] : undefined;
        if (pid === String(child.pid) && pong === 'PONG') return;
        lastError =
          pid !== undefined && pid !== String(child.pid)
            ? `port answered by another process (pid ${pid})`
            : `not ready: ${typeof pong === 'string' ? pong : JSON.stringify(pong)}`;
      } catch (error) {
        lastError = errorMessage(error);
      }
      if (Date.now() >= deadline) {
        await this.kill();
        throw new HarnessError(
          'ERR_HARNESS_TIMEOUT',
          `${this.describe()} did not become ready within ${timeoutMs} ms (${lastError}).\n${this.logTail()}`,
        );
      }
      await sleep(25);
    }
  }

  #logSince(offset: number): string {
    try {
      return readFileSync(this.logPath).subarray(offset).toString('utf8');
    } catch {
      return '';
    }
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  async #awaitExit(timeoutMs: number, what: string): Promise<void> {
    const exited = this.#exited;
    if (exited === undefined) return;
    await withDeadline(
      exited,
      timeoutMs,
      () => `${this.describe()} did not exit within ${timeoutMs} ms after ${what}`,
    );
  }

  /** SIGKILL and wait for the exit. No-op when not running. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#signal('SIGKILL');
    await this.#awaitExit(10_000, 'SIGKILL');
    this.#paused = false;
  }

  /** SIGTERM (after SIGCONT when paused), SIGKILL when it has not exited within `timeoutMs`. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    if (!this.running) return;
    if (this.#paused) this.#signal('SIGCONT');
    this.#signal('SIGTERM');
    try {
      await this.#awaitExit(timeoutMs, 'SIGTERM');
    } catch {
      await this.kill();
    }
    this.#paused = false;
  }

  /** SIGSTOP; on Linux waits until the kernel reports the process stopped. */
  async pause(): Promise<void> {
    const pid = this.#requireRunning('pause');
    this.#signal('SIGSTOP');
    this.#paused = true;
    await this.#waitForState(pid, (state) => state === 'T', 'stopped');
  }

  /** SIGCONT; on Linux waits until the process runs again. */
  async resume(): Promise<void> {
    const pid = this.#requireRunning('resume');
    this.#signal('SIGCONT');
    this.#paused = false;
    await this.#waitForState(pid, (state) => state !== 'T', 'resumed');
  }

  #requireRunning(action: string): number {
    const pid = this.pid;
    if (pid === undefined) {
      throw new HarnessError(
        'ERR_HARNESS_USAGE',
        `Cannot ${action} ${this.describe()}: it is not running (killed or stopped); restart it first.`,
      );
    }
    return pid;
  }

  async #waitForState(
    pid: number,
    accept: (state: string) => boolean,
    what: string,
  ): Promise<void> {
    const deadline = Date.now() + stateChangeTimeoutMs;
    for (;;) {
      const state = processState(pid);
      // No /proc (not Linux): the signal was delivered synchronously; nothing to observe.
      if (state === undefined || accept(state)) return;
      if (Date.now() >= deadline) {
        throw new HarnessError(
          'ERR_HARNESS_TIMEOUT',
          `${this.describe()} was not ${what} within ${stateChangeTimeoutMs} ms (state ${state})`,
        );
      }
      await sleep(5);
    }
  }

  /** Synchronous SIGKILL for the process 'exit' handler; no waiting possible there. */
  killSync(): void {
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** Frees the port lock (once the process is gone for good). */
  releasePort(): void {
    this.#lease?.release();
  }
}
