import type { Cluster } from 'ioredis';
import { execPipeline } from '../nodes/exec-pipeline.js';
import type {
  PipelineReply,
  QueuedCommand,
  RedisArgument,
} from '../partitioned-redis/partitioned-pipeline.js';
import type { ClusterRouting } from '../routing/cluster-routing.js';
import { groupBy } from '../routing/group-by.js';
import {
  type EntriesInput,
  entryList,
  type KeyOperations,
  msetGroup,
  setKey,
} from './key-operations.js';

/**
 * Key commands in cluster mode: the cluster client routes, and multi-key commands are split
 * per hash slot (one MGET / MSET / DEL per slot, no CROSSSLOT), pipelines per master.
 */
export class ClusterKeyOperations implements KeyOperations {
  readonly #cluster: ClusterRouting;

  constructor(cluster: ClusterRouting) {
    this.#cluster = cluster;
  }

  connectionFor(): Cluster {
    return this.#cluster.client;
  }

  async resolveConnectionFor(): Promise<Cluster> {
    return this.#cluster.client;
  }

  async get(key: string): Promise<string | null> {
    return this.#cluster.client.get(key);
  }

  async set(key: string, value: RedisArgument, ttlMs: number | undefined): Promise<void> {
    await setKey(this.#cluster.client, key, value, ttlMs);
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    const values: (string | null)[] = new Array(keys.length).fill(null);
    if (keys.length === 0) return values;
    const cluster = this.#cluster;
    const indexes = keys.map((key, index) => ({ key, index }));
    await Promise.all(
      [...groupBy(indexes, (entry) => String(cluster.slotOf(entry.key))).values()].map(
        async (group) => {
          const found = await cluster.client.mget(group.map((entry) => entry.key));
          group.forEach((entry, position) => {
            values[entry.index] = found[position] ?? null;
          });
        },
      ),
    );
    return values;
  }

  async mset(entries: EntriesInput, options: { ttlMs?: number }): Promise<void> {
    const list = entryList(entries);
    if (list.length === 0) return;
    const cluster = this.#cluster;
    await Promise.all(
      [...groupBy(list, ([key]) => String(cluster.slotOf(key))).values()].map((group) =>
        msetGroup(cluster.client, group, options.ttlMs),
      ),
    );
  }

  async del(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    if (list.length === 0) return 0;
    const cluster = this.#cluster;
    const counts = await Promise.all(
      [...groupBy(list, (key) => String(cluster.slotOf(key))).values()].map((group) =>
        cluster.client.del(...group),
      ),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async execute(commands: readonly QueuedCommand[]): Promise<PipelineReply[]> {
    const replies: PipelineReply[] = new Array(commands.length);
    const cluster = this.#cluster;
    const indexed = commands.map((command, index) => ({ command, index }));
    const groups = groupBy(indexed, (entry) => cluster.groupOf(entry.command.key));
    await Promise.all(
      [...groups].map(async ([, entries]) => {
        const pipeline = cluster.client.pipeline();
        for (const { command } of entries) pipeline.call(command.name, ...command.args);
        const results = await execPipeline(pipeline);
        entries.forEach((entry, position) => {
          replies[entry.index] = results[position] ?? [null, null];
        });
      }),
    );
    return replies;
  }
}
