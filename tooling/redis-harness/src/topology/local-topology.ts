import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LocalBackend } from '../backend/select-backend.js';
import { HarnessError } from '../errors/harness-error.js';
import { onProcessExit } from '../process/exit-cleanup.js';
import { RedisProcess, type RedisProcessOptions } from '../process/redis-process.js';
import { startWatchdog, type Watchdog } from '../process/watchdog.js';
import { generateCertificates, type TlsMaterial } from '../tls/generate-certificates.js';
import type { CommonTopologyOptions, RedisNode, Topology, WaitForOptions } from './types.js';
import { waitFor } from './wait-for.js';

/** TLS mode of a topology (resolved from `tls: boolean | TlsOptions`). */
export interface ResolvedTls {
  material: TlsMaterial;
  authClients: 'yes' | 'no' | 'optional';
}

/**
 * Base of the topologies run from a local redis-server binary: owns a temp dir (mkdtemp), the
 * processes, a watchdog and an exit handler; implements the fault methods, `waitFor` and
 * `stop`. Subclasses create their processes and add topology-specific readiness and `env()`.
 */
export abstract class LocalTopology implements Topology {
  readonly dir: string;
  readonly backend: LocalBackend;
  readonly password: string | undefined;
  protected readonly processes: RedisProcess[] = [];
  protected readonly pidsDir: string;
  #tls: ResolvedTls | undefined;
  readonly #watchdog: Watchdog;
  readonly #unregisterExit: () => void;
  #stopping: Promise<void> | undefined;

  protected constructor(kind: string, backend: LocalBackend, options: CommonTopologyOptions) {
    this.backend = backend;
    this.password = options.password;
    this.dir = mkdtempSync(path.join(os.tmpdir(), `redgrid-redis-${kind}-`));
    this.pidsDir = path.join(this.dir, '.pids');
    mkdirSync(this.pidsDir);
    this.#watchdog = startWatchdog(this.dir);
    this.#unregisterExit = onProcessExit(() => this.#stopSync());
  }

  get nodes(): readonly RedisNode[] {
    return this.processes;
  }

  get tls(): TlsMaterial | undefined {
    return this.#tls?.material;
  }

  protected get resolvedTls(): ResolvedTls | undefined {
    return this.#tls;
  }

  /** Generates certificates when `tls` asks for it; call before creating processes. */
  protected async setUpTls(tls: CommonTopologyOptions['tls']): Promise<void> {
    if (tls === undefined || tls === false) return;
    const authClients = (tls === true ? undefined : tls.authClients) ?? 'optional';
    this.#tls = { material: await generateCertificates(path.join(this.dir, 'tls')), authClients };
  }

  /** Client-side TLS for harness commands (CA plus the client certificate). */
  protected get clientTls(): { ca: string; cert: string; key: string } | undefined {
    const material = this.#tls?.material;
    return material && { ca: material.ca, cert: material.cert, key: material.key };
  }

  protected addProcess(
    options: Omit<RedisProcessOptions, 'dir' | 'pidsDir' | 'serverBin'>,
  ): RedisProcess {
    const member = new RedisProcess({
      ...options,
      dir: path.join(this.dir, options.id),
      pidsDir: this.pidsDir,
      serverBin: this.backend.serverBin,
    });
    this.processes.push(member);
    return member;
  }

  /** The process behind a node object of this topology. */
  protected processOf(node: RedisNode): RedisProcess {
    const found = this.processes.find((member) => member === node || member.id === node.id);
    if (found === undefined || found.port !== node.port) {
      throw new HarnessError(
        'ERR_HARNESS_USAGE',
        `Node ${node.id} (port ${node.port}) is not part of this topology.`,
      );
    }
    return found;
  }

  protected processByPort(port: number): RedisProcess | undefined {
    return this.processes.find((member) => member.port === port);
  }

  protected assertNotStopped(action: string): void {
    if (this.#stopping) {
      throw new HarnessError(
        'ERR_HARNESS_STOPPED',
        `Cannot ${action}: the topology was stopped (${this.dir}).`,
      );
    }
  }

  async kill(node: RedisNode): Promise<void> {
    this.assertNotStopped('kill a node');
    await this.processOf(node).kill();
  }

  async pause(node: RedisNode): Promise<void> {
    this.assertNotStopped('pause a node');
    await this.processOf(node).pause();
  }

  async resume(node: RedisNode): Promise<void> {
    this.assertNotStopped('resume a node');
    await this.processOf(node).resume();
  }

  async restart(node: RedisNode): Promise<void> {
    this.assertNotStopped('restart a node');
    await this.processOf(node).restart();
  }

  waitFor(condition: () => boolean | Promise<boolean>, options: WaitForOptions): Promise<void> {
    return waitFor(condition, options);
  }

  abstract env(): Record<string, string>;

  /** REDIS_PASSWORD and REDIS_TLS_* shared by every topology's `env()`. */
  protected commonEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    if (this.password !== undefined) env.REDIS_PASSWORD = this.password;
    const material = this.#tls?.material;
    if (material) {
      env.REDIS_TLS = 'true';
      env.REDIS_TLS_CA = material.caPath;
      env.REDIS_TLS_CERT = material.certPath;
      env.REDIS_TLS_KEY = material.keyPath;
    }
    return env;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all(this.processes.map((member) => member.kill().catch(() => undefined)));
      for (const member of this.processes) member.releasePort();
      this.#watchdog.stop();
      await rm(this.dir, { recursive: true, force: true });
      this.#unregisterExit();
    })();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** For the 'exit' handler: SIGKILL everything, free ports, remove the dir, synchronously. */
  #stopSync(): void {
    for (const member of this.processes) {
      member.killSync();
      member.releasePort();
    }
    this.#watchdog.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `start`; on failure stops everything started so far and rethrows. */
  protected async startOrCleanUp(start: () => Promise<void>): Promise<void> {
    try {
      await start();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }
}
