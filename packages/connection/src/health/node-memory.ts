import type { Redis } from 'ioredis';

/** Memory figures of one Redis server, from `INFO memory`, `INFO stats` and `DBSIZE`. */
export interface NodeMemory {
  /** `used_memory`. */
  readonly usedBytes: number;
  /** `used_memory_dataset` (used memory minus overhead), when reported. */
  readonly datasetBytes: number | undefined;
  /** `maxmemory`; 0 means unlimited. */
  readonly maxBytes: number;
  /** usedBytes / maxBytes, or undefined when unlimited. */
  readonly ratio: number | undefined;
  /** `maxmemory_policy`, e.g. `noeviction`, `allkeys-lfu`. */
  readonly policy: string | undefined;
  /** `evicted_keys` since the server started. */
  readonly evictedKeys: number;
  /** `mem_fragmentation_ratio` (RSS / used). */
  readonly fragmentationRatio: number | undefined;
  /** Keys in the selected database (DBSIZE). */
  readonly keys: number;
}

/** Parses `INFO` text into a field map. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#'))
      fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** True for the LFU eviction policies, under which `OBJECT FREQ` answers. */
export function isLfuPolicy(policy: string | undefined): boolean {
  return policy === 'allkeys-lfu' || policy === 'volatile-lfu';
}

/**
 * Reads a server's memory figures in one round trip (INFO memory, INFO stats, DBSIZE): cheap,
 * never blocking, fine to poll.
 */
export async function readNodeMemory(client: Redis): Promise<NodeMemory> {
  const results = (await client.pipeline().info('memory').info('stats').dbsize().exec()) ?? [];
  for (const [error] of results) if (error) throw error;
  const memory = parseInfo(String(results[0]?.[1] ?? ''));
  const stats = parseInfo(String(results[1]?.[1] ?? ''));
  const usedBytes = numberOf(memory.used_memory) ?? 0;
  const maxBytes = numberOf(memory.maxmemory) ?? 0;
  return {
    usedBytes,
    datasetBytes: numberOf(memory.used_memory_dataset),
    maxBytes,
    ratio: maxBytes > 0 ? usedBytes / maxBytes : undefined,
    policy: memory.maxmemory_policy,
    evictedKeys: numberOf(stats.evicted_keys) ?? 0,
    fragmentationRatio: numberOf(memory.mem_fragmentation_ratio),
    keys: Number(results[2]?.[1] ?? 0),
  };
}
