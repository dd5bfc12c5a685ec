import { publish } from '@redgrid/core';
import type { Redis } from 'ioredis';
import { type NodeMemory, readNodeMemory } from './node-memory.js';

/** Memory of one data node as the connection's health reports it. */
export interface NodeMemoryReport extends NodeMemory {
  /** `host:port` of the node. */
  readonly node: string;
  /** At or over the warning ratio of its `maxmemory` (`REDIS_MEMORY_WARN_RATIO`). */
  readonly warning: boolean;
}

/** Options of {@link MemoryWatch}. */
export interface MemoryWatchOptions {
  /** Name of the connection, for the `redgrid:memory` channel. */
  connection: string;
  /** Share of `maxmemory` from which a node is reported (0 < ratio <= 1). */
  warnRatio: number;
  /** Called when a node enters or leaves the warning zone (not on every reading). */
  onWarningChange: (report: NodeMemoryReport) => void;
}

/**
 * The memory side of the connection's health check: reads `INFO memory`, `INFO stats` and
 * `DBSIZE` of each data node (one pipelined round trip per node), keeps the last reading per
 * node, publishes each on `redgrid:memory` (for metrics and alerts) and reports the nodes that
 * cross the warning ratio. A node without `maxmemory` (0, unlimited) is never in warning.
 */
export class MemoryWatch {
  readonly #options: MemoryWatchOptions;
  #reports = new Map<string, NodeMemoryReport>();

  constructor(options: MemoryWatchOptions) {
    this.#options = options;
  }

  /** True when at least one node is at or over the warning ratio. */
  get warning(): boolean {
    for (const report of this.#reports.values()) if (report.warning) return true;
    return false;
  }

  /** The last reading of every node read by the last `read`, by node address. */
  snapshot(): NodeMemoryReport[] {
    return [...this.#reports.values()].sort((a, b) => a.node.localeCompare(b.node));
  }

  /**
   * Reads every node in `nodes` (nodes no longer listed are forgotten); a node that fails to
   * answer keeps no reading. Never rejects: the health check reports connectivity itself.
   */
  async read(nodes: ReadonlyArray<{ node: string; client: Redis }>): Promise<void> {
    const next = new Map<string, NodeMemoryReport>();
    await Promise.all(
      nodes.map(async ({ node, client }) => {
        let memory: NodeMemory;
        try {
          memory = await readNodeMemory(client);
        } catch {
          return;
        }
        const warning = memory.maxBytes > 0 && (memory.ratio ?? 0) >= this.#options.warnRatio;
        const report: NodeMemoryReport = { node, ...memory, warning };
        next.set(node, report);
        publish('redgrid:memory', {
          connection: this.#options.connection,
          node,
          usedBytes: memory.usedBytes,
          maxBytes: memory.maxBytes,
          ratio: memory.ratio ?? 0,
          evictedKeys: memory.evictedKeys,
          fragmentationRatio: memory.fragmentationRatio ?? 0,
          warning,
        });
      }),
    );
    for (const report of next.values()) {
      if (report.warning !== (this.#reports.get(report.node)?.warning ?? false)) {
        this.#options.onWarningChange(report);
      }
    }
    this.#reports = next;
  }
}
