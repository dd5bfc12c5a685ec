import type { Cluster, Redis } from 'ioredis';
import { execPipeline } from '../nodes/exec-pipeline.js';
import type {
  PipelineReply,
  QueuedCommand,
  RedisArgument,
} from '../partitioned-redis/partitioned-pipeline.js';

/** `mset`'s entries: pairs, or an object of key -> value. */
export type EntriesInput =
  | Iterable<readonly [string, RedisArgument]>
  | Readonly<Record<string, RedisArgument>>;

/**
 * The key-level commands of a partitioned instance, implemented once per mode: over the
 * client-side partitions (`PartitionedKeyOperations`, migration-aware) and over a Redis
 * Cluster (`ClusterKeyOperations`, grouped per hash slot).
 */
export interface KeyOperations {
  /** The client to send commands on `key` to (no move, even during a migration). */
  connectionFor(key: string): Redis | Cluster;
  /** The client for `key`, once any move of `key` to its new owner is done. */
  resolveConnectionFor(key: string): Promise<Redis | Cluster>;
  get(key: string): Promise<string | null>;
  set(key: string, value: RedisArgument, ttlMs: number | undefined): Promise<void>;
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  mset(entries: EntriesInput, options: { ttlMs?: number }): Promise<void>;
  del(keys: string | readonly string[]): Promise<number>;
  /** Runs the commands of a `PartitionedPipeline`; replies in queue order. */
  execute(commands: readonly QueuedCommand[]): Promise<PipelineReply[]>;
}

/** `mset`'s entries as a list of pairs. */
export function entryList(entries: EntriesInput): Array<readonly [string, RedisArgument]> {
  return Symbol.iterator in entries
    ? [...(entries as Iterable<readonly [string, RedisArgument]>)]
    : Object.entries(entries as Readonly<Record<string, RedisArgument>>);
}

/** SET, with PX when a TTL is given. */
export async function setKey(
  client: Redis | Cluster,
  key: string,
  value: RedisArgument,
  ttlMs: number | undefined,
): Promise<void> {
  if (ttlMs === undefined) await client.set(key, value);
  else await client.set(key, value, 'PX', ttlMs);
}

/** MSET of one group of keys, or a pipeline of SET PX with a TTL; throws the first error. */
export async function msetGroup(
  client: Redis | Cluster,
  group: ReadonlyArray<readonly [string, RedisArgument]>,
  ttlMs: number | undefined,
): Promise<void> {
  if (ttlMs === undefined) {
    await client.mset(...group.flat());
    return;
  }
  const pipeline = client.pipeline();
  for (const [key, value] of group) pipeline.set(key, value, 'PX', ttlMs);
  for (const [error] of await execPipeline(pipeline)) if (error) throw error;
}
