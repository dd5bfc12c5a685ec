import {
  type ConnectionOptions,
  createConnection,
  type RedisConnection,
} from '@redgrid/connection';
import { ConfigError, type ConfigIssue, defineConfig, type RedisConfig } from '@redgrid/core';
import type { Redis } from 'ioredis';
import type { PartitionNodeDefinition } from '../partitioned-redis/partitioned-redis.js';

/** One node an instance knows: its connection, and whether the instance opened it. */
export interface NodeHandle {
  readonly id: string;
  readonly connection: RedisConnection;
  /** The node's validated configuration, when known (for MIGRATE's address and credentials). */
  readonly config: RedisConfig | undefined;
  /** Opened by this instance (closed by it). */
  readonly owned: boolean;
}

function openNode(
  definition: PartitionNodeDefinition,
  path: string,
  connectionOptions: ConnectionOptions | undefined,
  issues: ConfigIssue[],
): NodeHandle | undefined {
  let config: RedisConfig | undefined;
  if (definition.config !== undefined) {
    try {
      config = defineConfig(definition.config);
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      for (const issue of error.issues) {
        issues.push({
          variable: `${path}.config.${issue.variable}`,
          message: issue.message,
        });
      }
      return undefined;
    }
  }
  if (definition.connection) {
    return {
      id: definition.id,
      connection: definition.connection,
      config,
      owned: false,
    };
  }
  if (config === undefined) {
    issues.push({
      variable: `${path}.config`,
      message: 'is missing; give the node a config (single or sentinel) or an existing connection',
    });
    return undefined;
  }
  const connection = createConnection(config, {
    ...connectionOptions,
    name: connectionOptions?.name ?? `partition:${definition.id}`,
  });
  return { id: definition.id, connection, config, owned: true };
}

/**
 * The nodes of one partitioned instance by id: the connections it opened from a config
 * (lazy, closed with the instance) and those it was given (left open). Nodes are added at
 * creation and by `planRebalance` (joining nodes), removed when a migration completes.
 */
export class NodeRegistry {
  readonly #handles = new Map<string, NodeHandle>();
  readonly #connectionOptions: ConnectionOptions | undefined;

  constructor(connectionOptions: ConnectionOptions | undefined) {
    this.#connectionOptions = connectionOptions;
  }

  /**
   * Opens (or adopts) every node not known yet. Problems are added to `issues`, named
   * `<path>[index].config...`; the nodes opened before a problem stay registered.
   */
  add(definitions: readonly PartitionNodeDefinition[], path: string, issues: ConfigIssue[]): void {
    definitions.forEach((definition, index) => {
      if (this.#handles.has(definition.id)) return;
      const handle = openNode(definition, `${path}[${index}]`, this.#connectionOptions, issues);
      if (handle) this.#handles.set(definition.id, handle);
    });
  }

  has(id: string): boolean {
    return this.#handles.has(id);
  }

  /** The node `id`; throws `ConfigError` (`nodeId`) for an unknown one. */
  handle(id: string): NodeHandle {
    const handle = this.#handles.get(id);
    if (handle === undefined) {
      throw new ConfigError([
        {
          variable: 'nodeId',
          message: `"${id}" is not a node of this instance; known: ${[...this.#handles.keys()].map((known) => JSON.stringify(known)).join(', ')}`,
        },
      ]);
    }
    return handle;
  }

  /** The ioredis client of a single-server or Sentinel node. */
  client(id: string): Redis {
    return this.handle(id).connection.client as Redis;
  }

  /** Every node, in the order they were added. */
  handles(): NodeHandle[] {
    return [...this.#handles.values()];
  }

  /** Forgets a node and closes its connection if this instance opened it. */
  async remove(id: string): Promise<void> {
    const handle = this.#handles.get(id);
    this.#handles.delete(id);
    if (handle?.owned) await handle.connection.close();
  }

  /** Closes every connection opened here, without waiting or reporting (a failed creation). */
  abandon(): void {
    for (const handle of this.#handles.values()) {
      if (handle.owned) void handle.connection.close().catch(() => undefined);
    }
  }

  /** Closes every connection opened here (not those passed in). */
  async close(options: { timeoutMs?: number }): Promise<void> {
    await Promise.all(
      [...this.#handles.values()]
        .filter((handle) => handle.owned)
        .map((handle) => handle.connection.close(options)),
    );
  }
}
