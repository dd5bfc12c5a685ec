import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import { buildClusterSnapshot, type ClusterSnapshot } from './cluster-snapshot.js';
import { type ClusterNodesEntry, parseClusterNodes } from './parse-cluster-nodes.js';

/**
 * What cluster operations need of a connection: its ioredis `Cluster` client. A
 * `RedisConnection` of `@redgrid/connection` (cluster topology) fits.
 */
export interface ClusterConnection {
  readonly client: unknown;
}

/** Options shared by the admin connections of one operation. */
export interface AdminSessionOptions {
  /** Deadline of one admin command (MIGRATE gets its own timeout on top). Default 15 000. */
  readonly commandTimeoutMs?: number;
}

// ioredis 6 types its constructor with a reply-mapping type parameter; pin the default replies.
const RedisClient: new (options: RedisOptions) => Redis = Redis;

function isCluster(client: unknown): client is Cluster {
  return (
    typeof client === 'object' &&
    client !== null &&
    'isCluster' in client &&
    (client as { isCluster: unknown }).isCluster === true
  );
}

/** A short, secret-free description of an error. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The admin side of one cluster operation: one plain ioredis connection per node (the cluster
 * client's credentials, TLS and NAT map, but none of its routing, so CLUSTER SETSLOT, MIGRATE
 * and GETKEYSINSLOT reach exactly the node meant), the MIGRATE AUTH arguments, and snapshot
 * loading. Application traffic keeps flowing through the application's own connection.
 */
export class AdminSession {
  readonly #cluster: Cluster;
  readonly #options: RedisOptions;
  readonly #clients = new Map<string, Redis>();
  readonly #natMap: Readonly<Record<string, { host: string; port: number }>>;
  #closed = false;

  private constructor(cluster: Cluster, options: AdminSessionOptions) {
    this.#cluster = cluster;
    const clusterOptions = cluster.options;
    const natMap = clusterOptions.natMap;
    this.#natMap = typeof natMap === 'object' && natMap !== null ? natMap : {};
    this.#options = {
      ...(clusterOptions.redisOptions as RedisOptions | undefined),
      lazyConnect: true,
      enableOfflineQueue: true,
      enableAutoPipelining: false,
      enableReadyCheck: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 15_000,
      retryStrategy: (times) => (times > 3 ? null : 100 * times),
      reconnectOnError: () => false,
    };
  }

  /** Opens a session on a cluster connection; throws `ClusterAdminError` (`not-cluster`). */
  static open(connection: ClusterConnection, options: AdminSessionOptions = {}): AdminSession {
    const client = connection.client;
    if (!isCluster(client)) {
      throw new ClusterAdminError({
        reason: 'not-cluster',
        message:
          'This operation needs a Redis Cluster connection; the connection is a single server or Sentinel. Set REDIS_CLUSTER=true and REDIS_NODE1_HOST/REDIS_NODE1_PORT (or pass a cluster config).',
      });
    }
    return new AdminSession(client, options);
  }

  /** The application's cluster client (used for the first CLUSTER NODES only). */
  get cluster(): Cluster {
    return this.#cluster;
  }

  /** MIGRATE's `AUTH password` / `AUTH2 username password` arguments, or none. */
  migrateAuth(): string[] {
    const { username, password } = this.#options;
    if (password === undefined || password === '') return [];
    return username === undefined || username === ''
      ? ['AUTH', password]
      : ['AUTH2', username, password];
  }

  /** The admin connection to a node, by its announced address. */
  client(node: { readonly host: string; readonly port: number }): Redis {
    const key = `${node.host}:${node.port}`;
    let client = this.#clients.get(key);
    if (!client) {
      const mapped = this.#natMap[key] ?? node;
      client = new RedisClient({ ...this.#options, host: mapped.host, port: mapped.port });
      // Errors surface on the commands; an unhandled 'error' event must not crash the process.
      client.on('error', () => {});
      this.#clients.set(key, client);
    }
    return client;
  }

  /** Reads every node's own `CLUSTER NODES` and builds a snapshot. */
  async snapshot(): Promise<ClusterSnapshot> {
    let seedText: string;
    try {
      seedText = String(await this.#cluster.call('CLUSTER', 'NODES'));
    } catch (error) {
      throw new ClusterAdminError(
        {
          reason: 'unhealthy',
          message: `Could not read CLUSTER NODES through the cluster connection: ${describeError(error)}`,
        },
        { cause: error },
      );
    }
    const seed = parseClusterNodes(seedText);
    const views = new Map<string, ClusterNodesEntry[] | undefined>();
    await Promise.all(
      seed.map(async (entry) => {
        if (entry.flags.includes('noaddr') || entry.flags.includes('handshake')) {
          views.set(entry.id, undefined);
          return;
        }
        try {
          const text = await this.client(entry).call('CLUSTER', 'NODES');
          views.set(entry.id, parseClusterNodes(String(text)));
        } catch {
          views.set(entry.id, undefined);
        }
      }),
    );
    return buildClusterSnapshot(seed, views);
  }

  /** Closes every admin connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      [...this.#clients.values()].map(async (client) => {
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      }),
    );
    this.#clients.clear();
  }
}
