/** Fixed cost charged per entry on top of its key and value: index slots, map entry, TTL slots. */
export const ENTRY_OVERHEAD_BYTES = 64;

const MAX_DEPTH = 8;
const MAX_PROPERTIES = 1_000;

function sizeOfValue(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      // V8 stores a string in one or two bytes per code unit; charge two so the bound holds.
      return 16 + value.length * 2;
    case 'number':
      return 8;
    case 'boolean':
      return 4;
    case 'bigint':
      return 16 + Math.ceil(value.toString(16).length / 2);
    case 'undefined':
      return 0;
    case 'object':
      break;
    default:
      // functions and symbols: only the reference is held
      return 8;
  }
  if (value === null) return 0;
  if (ArrayBuffer.isView(value)) return 64 + value.byteLength;
  if (value instanceof ArrayBuffer) return 32 + value.byteLength;
  if (value instanceof Date) return 32;
  if (depth >= MAX_DEPTH) return 1_024;
  let total = 32;
  let counted = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      total += 8 + sizeOfValue(item, depth + 1);
      if (++counted >= MAX_PROPERTIES) return total + (value.length - counted) * 64;
    }
    return total;
  }
  if (value instanceof Map) {
    for (const [key, item] of value) {
      total += 32 + sizeOfValue(key, depth + 1) + sizeOfValue(item, depth + 1);
      if (++counted >= MAX_PROPERTIES) return total + (value.size - counted) * 96;
    }
    return total;
  }
  if (value instanceof Set) {
    for (const item of value) {
      total += 24 + sizeOfValue(item, depth + 1);
      if (++counted >= MAX_PROPERTIES) return total + (value.size - counted) * 64;
    }
    return total;
  }
  for (const key in value) {
    total += 16 + key.length * 2 + sizeOfValue((value as Record<string, unknown>)[key], depth + 1);
    if (++counted >= MAX_PROPERTIES) return total + 4_096;
  }
  return total;
}

/**
 * Estimates how many bytes of heap an entry holds: its key, its value (walked to a bounded
 * depth) and a fixed per-entry overhead. Gotcha: an estimate, not a measurement — V8's real
 * layout differs by a constant factor, and a value shared by several entries is charged to each.
 * It errs on the large side (two bytes per string character), so a bound set with it holds.
 * Pass `sizeBytes` to `MemoryStore.set` when the caller already knows the size (e.g. an encoded
 * buffer) to skip the walk.
 */
export function estimateSize(value: unknown, key: string): number {
  return ENTRY_OVERHEAD_BYTES + key.length * 2 + sizeOfValue(value, 0);
}
