import { detectBackend } from '../backend/detect-backend.js';
import type { LocalBackend } from '../backend/select-backend.js';
import { renderServerConfig } from '../config/render-config.js';
import { startStandaloneContainer } from '../container/start-standalone-container.js';
import type { RedisProcess } from '../process/redis-process.js';
import { LocalTopology } from './local-topology.js';
import type { RedisNode, StandaloneOptions, StandaloneTopology } from './types.js';

class LocalStandaloneTopology extends LocalTopology implements StandaloneTopology {
  readonly host = '127.0.0.1' as const;
  readonly #server: RedisProcess;

  constructor(
    backend: LocalBackend,
    readonly options: StandaloneOptions,
  ) {
    super('standalone', backend, options);
    this.#server = this.addProcess({
      id: 'server-1',
      kind: 'server',
      renderConfig: (port) =>
        renderServerConfig({
          port,
          dir: this.#server.dir,
          password: options.password,
          aclUsers: options.aclUsers,
          tls: this.resolvedTls,
        }),
      extraArgs: options.args,
      preferredPort: options.preferredPort,
      connection: () => ({ password: options.password, tls: this.clientTls }),
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
    });
  }

  get node(): RedisNode {
    return this.#server;
  }

  get port(): number {
    return this.#server.port;
  }

  async start(): Promise<void> {
    await this.startOrCleanUp(async () => {
      await this.setUpTls(this.options.tls);
      await this.#server.start();
    });
  }

  env(): Record<string, string> {
    return { REDIS_HOST: this.host, REDIS_PORT: String(this.port), ...this.commonEnv() };
  }
}

/**
 * Starts one redis-server on a free loopback port and waits until it answers. Use it for
 * anything that does not need replication; it starts in well under a second. With `tls`, only
 * the TLS port is open and `tls` holds the CA and a client certificate.
 *
 * @example
 * await using redis = await startStandalone({ password: 's3cret' });
 * const client = new Redis({ host: redis.host, port: redis.port, password: 's3cret' });
 */
export async function startStandalone(
  options: StandaloneOptions = {},
): Promise<StandaloneTopology> {
  const backend = await detectBackend();
  if (backend.kind === 'testcontainers') return startStandaloneContainer(backend, options);
  const topology = new LocalStandaloneTopology(backend, options);
  await topology.start();
  return topology;
}
