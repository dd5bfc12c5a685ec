import type { Redis } from 'ioredis';
import { execPipeline } from '../nodes/exec-pipeline.js';
import type {
  PipelineReply,
  QueuedCommand,
  RedisArgument,
} from '../partitioned-redis/partitioned-pipeline.js';
import { groupBy } from '../routing/group-by.js';
import type { KeyRouting } from '../routing/key-routing.js';
import {
  type EntriesInput,
  entryList,
  type KeyOperations,
  msetGroup,
  setKey,
} from './key-operations.js';

interface IndexedKey {
  key: string;
  index: number;
}

/**
 * Key commands over client-side partitions: one command (or pipeline) per node, in parallel.
 * During a migration, reads fall back to a key's old owner, deletes hit the old owner first,
 * and pipelines move the keys they touch before running (see `PartitionedRedis.migrate`).
 */
export class PartitionedKeyOperations implements KeyOperations {
  readonly #routing: KeyRouting;
  readonly #clientOf: (nodeId: string) => Redis;

  constructor(routing: KeyRouting, clientOf: (nodeId: string) => Redis) {
    this.#routing = routing;
    this.#clientOf = clientOf;
  }

  connectionFor(key: string): Redis {
    return this.#clientOf(this.#routing.nodeFor(key));
  }

  async resolveConnectionFor(key: string): Promise<Redis> {
    const owner = this.#routing.nodeFor(key);
    await this.#routing.moveOnDemand([key]);
    return this.#clientOf(owner);
  }

  async get(key: string): Promise<string | null> {
    const owner = this.#routing.nodeFor(key);
    const value = await this.#clientOf(owner).get(key);
    if (value !== null) return value;
    const old = this.#routing.oldOwner(key, owner);
    if (old === undefined) return value;
    const fallback = await this.#clientOf(old).get(key);
    // Missing on both: it may have moved between the two reads; the new owner has it then.
    return fallback ?? this.#clientOf(owner).get(key);
  }

  async set(key: string, value: RedisArgument, ttlMs: number | undefined): Promise<void> {
    await setKey(this.connectionFor(key), key, value, ttlMs);
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    const values: (string | null)[] = new Array(keys.length).fill(null);
    if (keys.length === 0) return values;
    const routing = this.#routing;
    const indexes: IndexedKey[] = keys.map((key, index) => ({ key, index }));
    const read = async (entries: IndexedKey[], node: (key: string) => string) => {
      await Promise.all(
        [...groupBy(entries, (entry) => node(entry.key))].map(async ([id, group]) => {
          const found = await this.#clientOf(id).mget(group.map((entry) => entry.key));
          group.forEach((entry, position) => {
            values[entry.index] = found[position] ?? null;
          });
        }),
      );
    };
    const oldOwner = (key: string) => routing.oldOwner(key, routing.nodeFor(key));
    await read(indexes, (key) => routing.nodeFor(key));
    if (!routing.migrating) return values;
    const misses = indexes.filter(
      (entry) => values[entry.index] === null && oldOwner(entry.key) !== undefined,
    );
    if (misses.length === 0) return values;
    await read(misses, (key) => oldOwner(key) ?? '');
    const stillMissing = misses.filter((entry) => values[entry.index] === null);
    if (stillMissing.length > 0) await read(stillMissing, (key) => routing.nodeFor(key));
    return values;
  }

  async mset(entries: EntriesInput, options: { ttlMs?: number }): Promise<void> {
    const list = entryList(entries);
    if (list.length === 0) return;
    await Promise.all(
      [...groupBy(list, ([key]) => this.#routing.nodeFor(key))].map(([id, group]) =>
        msetGroup(this.#clientOf(id), group, options.ttlMs),
      ),
    );
  }

  async del(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    if (list.length === 0) return 0;
    const routing = this.#routing;
    const oldOwner = (key: string) => routing.oldOwner(key, routing.nodeFor(key));
    // Keys that may still be on their old owner: delete there first, then on the new owner,
    // so a concurrent move (which copies before it deletes) cannot bring them back.
    const moving = list.filter((key) => oldOwner(key) !== undefined);
    const movingSet = new Set(moving);
    const stable = list.filter((key) => !movingSet.has(key));
    let count = 0;
    const counts = await Promise.all(
      [...groupBy(stable, (key) => routing.nodeFor(key))].map(([id, group]) =>
        this.#clientOf(id).del(...group),
      ),
    );
    count += counts.reduce((sum, value) => sum + value, 0);
    if (moving.length === 0) return count;
    const deletedOld = new Set<string>();
    await Promise.all(
      [...groupBy(moving, (key) => oldOwner(key) ?? '')].map(async ([id, group]) => {
        const replies = await this.#deleteEach(id, group);
        group.forEach((key, index) => {
          const [error, reply] = replies[index] ?? [null, 0];
          if (error) throw error;
          if (reply === 1) deletedOld.add(key);
        });
      }),
    );
    await Promise.all(
      [...groupBy(moving, (key) => routing.nodeFor(key))].map(async ([id, group]) => {
        const replies = await this.#deleteEach(id, group);
        group.forEach((key, index) => {
          const [error, reply] = replies[index] ?? [null, 0];
          if (error) throw error;
          if (reply === 1 || deletedOld.has(key)) count++;
        });
      }),
    );
    return count;
  }

  /** One DEL per key in a pipeline, so each key's reply says whether it existed there. */
  #deleteEach(nodeId: string, keys: readonly string[]): Promise<PipelineReply[]> {
    const pipeline = this.#clientOf(nodeId).pipeline();
    for (const key of keys) pipeline.del(key);
    return execPipeline(pipeline);
  }

  async execute(commands: readonly QueuedCommand[]): Promise<PipelineReply[]> {
    const replies: PipelineReply[] = new Array(commands.length);
    await this.#routing.moveOnDemand(commands.map((command) => command.key));
    const indexed = commands.map((command, index) => ({ command, index }));
    const groups = groupBy(indexed, (entry) => this.#routing.nodeFor(entry.command.key));
    await Promise.all(
      [...groups].map(async ([id, entries]) => {
        const pipeline = this.#clientOf(id).pipeline();
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
