/** Where a {@link StoreResult} was served from. */
export type StoreSource = 'redis' | 'memory';

/**
 * The result of every `ResilientStore` operation: the value, and where it came from. `source`
 * is `'memory'` (and `degraded` true) when Redis was unusable and the in-memory fallback
 * answered — the value may then differ from what Redis would have said (other instances'
 * writes are not seen, a counter restarts from zero). Surface `degraded` to callers that need
 * to know (a rate limiter puts it in its result, a health check reports it).
 */
export interface StoreResult<T> {
  readonly value: T;
  readonly source: StoreSource;
  /** True when the value was served from memory because Redis was unusable. */
  readonly degraded: boolean;
}
