import { groupBySlot } from './command-client.js';
import type { StoreResult, StoreSource } from './store-result.js';

/** How a multi-key read reaches Redis or memory: the store's routing of one call. */
export interface SlotRouting {
  readonly cluster: boolean;
  run<T>(redis: () => Promise<T>, memory: () => T): Promise<StoreResult<T>>;
}

/**
 * Reads `keys` in order (null where absent): one call per cluster slot (one in all on a single
 * server), each routed on its own, so that a slot whose node is down is answered from memory
 * while the others are not. The result is degraded when any part was.
 */
export async function multiGetBySlot<T>(
  routing: SlotRouting,
  keys: readonly string[],
  fetch: (keys: string[]) => Promise<Array<T | null>>,
  fromMemory: (key: string) => T | null,
): Promise<StoreResult<Array<T | null>>> {
  if (keys.length === 0) return { value: [], source: 'redis', degraded: false };
  const groups = groupBySlot(keys, routing.cluster);
  const values: Array<T | null> = new Array(keys.length).fill(null);
  let source = 'redis' as StoreSource;
  await Promise.all(
    groups.map(async (group) => {
      const part = group.map((index) => keys[index] ?? '');
      const result = await routing.run(
        () => fetch(part),
        () => part.map(fromMemory),
      );
      if (result.source === 'memory') source = 'memory';
      for (let position = 0; position < group.length; position++) {
        values[group[position] ?? 0] = result.value[position] ?? null;
      }
    }),
  );
  return { value: values, source, degraded: source === 'memory' };
}
