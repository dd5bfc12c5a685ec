import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestcontainersBackend } from '../backend/select-backend.js';
import { HarnessError } from '../errors/harness-error.js';
import { acquirePort, type PortLease } from '../ports/acquire-port.js';
import { sendCommand } from '../resp/send-command.js';
import { generateCertificates, type TlsMaterial } from '../tls/generate-certificates.js';
import type {
  RedisNode,
  StandaloneOptions,
  StandaloneTopology,
  WaitForOptions,
} from '../topology/types.js';
import { waitFor } from '../topology/wait-for.js';
import { errorMessage } from '../util/deadline.js';
import { pollUntil } from '../util/poll-until.js';

/**
 * The Testcontainers backend: one official `redis` container, its port 6379 published on a host
 * port chosen like the local backend's (so `restart` keeps the address). NOT RUN on the machine
 * this was written on (no Docker engine there): see the package README.
 */

/** The subset of dockerode's Container used for faults (kill / pause / unpause / start). */
interface DockerContainer {
  kill(): Promise<unknown>;
  pause(): Promise<unknown>;
  unpause(): Promise<unknown>;
  start(): Promise<unknown>;
}

interface StartedContainer {
  getId(): string;
  getHost(): string;
  stop(options?: { timeout?: number; remove?: boolean }): Promise<unknown>;
}

class ContainerNode implements RedisNode {
  readonly id = 'server-1';
  readonly host = '127.0.0.1' as const;
  readonly kind = 'server' as const;
  readonly pid = undefined;
  constructor(readonly port: number) {}
}

class ContainerStandaloneTopology implements StandaloneTopology {
  readonly host = '127.0.0.1' as const;
  readonly node: ContainerNode;
  readonly nodes: readonly RedisNode[];
  #stopping: Promise<void> | undefined;

  constructor(
    readonly password: string | undefined,
    readonly tls: TlsMaterial | undefined,
    readonly lease: PortLease,
    readonly dir: string,
    readonly container: StartedContainer,
    readonly docker: DockerContainer,
  ) {
    this.node = new ContainerNode(lease.port);
    this.nodes = [this.node];
  }

  get port(): number {
    return this.node.port;
  }

  #check(node: RedisNode): void {
    if (node.id !== this.node.id || node.port !== this.node.port) {
      throw new HarnessError('ERR_HARNESS_USAGE', `Node ${node.id} is not part of this topology.`);
    }
    if (this.#stopping) throw new HarnessError('ERR_HARNESS_STOPPED', 'The topology was stopped.');
  }

  async kill(node: RedisNode): Promise<void> {
    this.#check(node);
    await this.docker.kill();
  }

  async pause(node: RedisNode): Promise<void> {
    this.#check(node);
    await this.docker.pause();
  }

  async resume(node: RedisNode): Promise<void> {
    this.#check(node);
    await this.docker.unpause();
  }

  async restart(node: RedisNode): Promise<void> {
    this.#check(node);
    await this.docker.kill().catch(() => undefined);
    await this.docker.start();
    await waitUntilPong(this, 30_000);
  }

  waitFor(condition: () => boolean | Promise<boolean>, options: WaitForOptions): Promise<void> {
    return waitFor(condition, options);
  }

  env(): Record<string, string> {
    const env: Record<string, string> = { REDIS_HOST: this.host, REDIS_PORT: String(this.port) };
    if (this.password !== undefined) env.REDIS_PASSWORD = this.password;
    if (this.tls) {
      env.REDIS_TLS = 'true';
      env.REDIS_TLS_CA = this.tls.caPath;
      env.REDIS_TLS_CERT = this.tls.certPath;
      env.REDIS_TLS_KEY = this.tls.keyPath;
    }
    return env;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.container.stop({ timeout: 0, remove: true }).catch(() => undefined);
      this.lease.release();
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

async function waitUntilPong(
  topology: ContainerStandaloneTopology,
  timeoutMs: number,
): Promise<void> {
  const tls = topology.tls;
  await pollUntil(
    async () => {
      try {
        const reply = await sendCommand(
          {
            host: topology.host,
            port: topology.port,
            password: topology.password,
            tls: tls && { ca: tls.ca, cert: tls.cert, key: tls.key },
          },
          ['PING'],
          { timeoutMs: 1000 },
        );
        return reply === 'PONG' ? undefined : `PING answered ${String(reply)}`;
      } catch (error) {
        return errorMessage(error);
      }
    },
    { timeoutMs, intervalMs: 100, what: 'redis container answering PING' },
  );
}

/**
 * Starts a standalone Redis in a container (Testcontainers, official image). Password, ACL users,
 * extra arguments and TLS (certificates copied into the container) are passed as redis-server
 * arguments. `pid` is undefined; faults use the Docker API (kill, pause/unpause, start).
 */
export async function startStandaloneContainer(
  backend: TestcontainersBackend,
  options: StandaloneOptions,
): Promise<StandaloneTopology> {
  // Loaded lazily: testcontainers (dockerode, ssh2, ...) costs time and is only needed here.
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'redgrid-redis-container-'));
  const lease = await acquirePort();
  try {
    const tls = options.tls ? await generateCertificates(path.join(dir, 'tls')) : undefined;
    const authClients =
      (typeof options.tls === 'object' ? options.tls.authClients : undefined) ?? 'optional';
    const args = ['redis-server', '--save', '', '--appendonly', 'no'];
    if (tls) {
      args.push(
        '--port',
        '0',
        '--tls-port',
        '6379',
        '--tls-cert-file',
        '/tls/server.crt',
        '--tls-key-file',
        '/tls/server.key',
      );
      args.push('--tls-ca-cert-file', '/tls/ca.crt', '--tls-auth-clients', authClients);
    }
    if (options.password !== undefined) args.push('--requirepass', options.password);
    for (const user of options.aclUsers ?? []) {
      // redis-server quotes each argument into its config line: one argument per ACL token.
      const rules = (user.rules ?? '~* &* +@all').split(/\s+/).filter((rule) => rule !== '');
      args.push('--user', user.name, 'on', `>${user.password}`, ...rules);
    }
    args.push(...(options.args ?? []));
    let builder = new GenericContainer(backend.image)
      .withCommand(args)
      .withExposedPorts({ container: 6379, host: lease.port })
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .withStartupTimeout(options.startTimeoutMs ?? 120_000);
    if (tls) {
      builder = builder.withCopyFilesToContainer(
        ['ca.crt', 'server.crt', 'server.key'].map((name) => ({
          source: path.join(dir, 'tls', name),
          target: `/tls/${name}`,
          mode: 0o644,
        })),
      );
    }
    const container = await builder.start();
    const host = container.getHost();
    if (host !== 'localhost' && host !== '127.0.0.1') {
      await container.stop({ timeout: 0 }).catch(() => undefined);
      throw new HarnessError(
        'ERR_HARNESS_UNSUPPORTED',
        `The Docker engine publishes ports on ${host}; the harness only supports a local engine (ports on 127.0.0.1).`,
      );
    }
    const client = await getContainerRuntimeClient();
    const topology = new ContainerStandaloneTopology(
      options.password,
      tls,
      lease,
      dir,
      container,
      client.container.getById(container.getId()),
    );
    try {
      await waitUntilPong(topology, 30_000);
    } catch (error) {
      await topology.stop();
      throw error;
    }
    return topology;
  } catch (error) {
    lease.release();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
