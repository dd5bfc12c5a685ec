import type { Redis } from 'ioredis';
import { isReservedKey } from '../migration/reserved-keys.js';

/** One key seen by a sample. */
export interface SampledKey {
  readonly key: string;
  /** `TYPE`. */
  readonly type: string;
  /** `MEMORY USAGE` (estimated with nested samples), when the server answers it. */
  readonly bytes: number | undefined;
  /** `OBJECT FREQ` (logarithmic LFU counter, 0-255), only under an LFU policy. */
  readonly frequency: number | undefined;
}

/** Options of {@link sampleKeys}. */
export interface SampleKeysOptions {
  /** Keys looked at, at most. Default 10 000. */
  readonly maxKeys?: number;
  /** SCAN COUNT per round trip. Default 1000. */
  readonly scanCount?: number;
  /** Biggest / hottest keys kept. Default 10. */
  readonly top?: number;
  /** Nested values `MEMORY USAGE` samples per key (0 = all, slow). Default 5. */
  readonly memorySamples?: number;
  /** Ask `OBJECT FREQ` (only meaningful under an LFU maxmemory-policy). Default false. */
  readonly frequency?: boolean;
  /** Also aggregate keys and bytes per group (e.g. the hash slot, or a range) of each key. */
  readonly groupOf?: (key: string) => number | string;
  /** SCAN MATCH pattern. */
  readonly match?: string;
}

/** What a sample found on one node. */
export interface KeySample {
  /** Keys looked at. */
  readonly sampledKeys: number;
  /** True when the SCAN reached the end: the figures cover every key. */
  readonly complete: boolean;
  /** Sum of MEMORY USAGE over the sampled keys (undefined when the server refuses it). */
  readonly sampledBytes: number | undefined;
  /** sampledBytes / sampledKeys. */
  readonly bytesPerKey: number | undefined;
  readonly biggest: readonly SampledKey[];
  /** Hottest keys by OBJECT FREQ, or undefined when not asked (no LFU policy). */
  readonly hottest: readonly SampledKey[] | undefined;
  /** Keys and bytes per group (`groupOf`). */
  readonly groups: ReadonlyMap<number | string, { keys: number; bytes: number }>;
  /** Keys per type (`string`, `hash`, ...). */
  readonly types: Readonly<Record<string, number>>;
}

function keepTop(
  list: SampledKey[],
  entry: SampledKey,
  top: number,
  score: (key: SampledKey) => number,
) {
  if (list.length < top) {
    list.push(entry);
    list.sort((a, b) => score(b) - score(a));
    return;
  }
  const last = list.at(-1);
  if (last && score(entry) > score(last)) {
    list[list.length - 1] = entry;
    list.sort((a, b) => score(b) - score(a));
  }
}

/**
 * Samples one node's keys without blocking it: SCAN with a COUNT hint (never KEYS), then one
 * pipeline per page of `TYPE` + `MEMORY USAGE key SAMPLES n` (+ `OBJECT FREQ` under an LFU
 * policy). These read commands do not touch the keys' LRU/LFU data, so sampling does not make
 * keys look hot. Stops after `maxKeys`; `complete` says whether every key was seen.
 */
export async function sampleKeys(
  client: Redis,
  options: SampleKeysOptions = {},
): Promise<KeySample> {
  const maxKeys = options.maxKeys ?? 10_000;
  const scanCount = options.scanCount ?? 1000;
  const top = options.top ?? 10;
  const samples = options.memorySamples ?? 5;
  const biggest: SampledKey[] = [];
  const hottest: SampledKey[] = [];
  const groups = new Map<number | string, { keys: number; bytes: number }>();
  const types: Record<string, number> = {};
  let sampledKeys = 0;
  let sampledBytes: number | undefined = 0;
  let cursor = '0';
  let complete = false;
  do {
    const [next, page] =
      options.match === undefined
        ? await client.scan(cursor, 'COUNT', scanCount)
        : await client.scan(cursor, 'MATCH', options.match, 'COUNT', scanCount);
    cursor = next;
    const keys = page.filter((key) => !isReservedKey(key)).slice(0, maxKeys - sampledKeys);
    if (keys.length > 0) {
      const pipeline = client.pipeline();
      for (const key of keys) {
        pipeline.type(key);
        pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', samples);
        if (options.frequency) pipeline.call('OBJECT', 'FREQ', key);
      }
      const replies = (await pipeline.exec()) ?? [];
      const stride = options.frequency ? 3 : 2;
      keys.forEach((key, index) => {
        const [typeError, type] = replies[index * stride] ?? [null, 'none'];
        if (typeError || type === 'none') return; // gone meanwhile
        const [memoryError, memory] = replies[index * stride + 1] ?? [null, null];
        const bytes = memoryError || memory === null ? undefined : Number(memory);
        if (bytes === undefined) sampledBytes = undefined;
        else if (sampledBytes !== undefined) sampledBytes += bytes;
        let frequency: number | undefined;
        if (options.frequency) {
          const [frequencyError, value] = replies[index * stride + 2] ?? [null, null];
          frequency = frequencyError ? undefined : Number(value);
        }
        const entry: SampledKey = { key, type: String(type), bytes, frequency };
        types[entry.type] = (types[entry.type] ?? 0) + 1;
        if (bytes !== undefined) keepTop(biggest, entry, top, (item) => item.bytes ?? 0);
        if (frequency !== undefined) keepTop(hottest, entry, top, (item) => item.frequency ?? 0);
        if (options.groupOf) {
          const group = options.groupOf(key);
          const totals = groups.get(group) ?? { keys: 0, bytes: 0 };
          totals.keys++;
          totals.bytes += bytes ?? 0;
          groups.set(group, totals);
        }
        sampledKeys++;
      });
    }
    if (cursor === '0') complete = true;
  } while (cursor !== '0' && sampledKeys < maxKeys);
  return {
    sampledKeys,
    complete,
    sampledBytes,
    bytesPerKey:
      sampledBytes === undefined || sampledKeys === 0 ? undefined : sampledBytes / sampledKeys,
    biggest,
    hottest: options.frequency ? hottest : undefined,
    groups,
    types,
  };
}
