import type { StoreSource } from '@redgrid/fallback';

/** Where a cache read was answered from. */
export type CacheSource = 'l1' | StoreSource | 'loader' | 'none';

/** A read with what the cache knows about it; from `getWithMetadata` / `getOrSetWithMetadata`. */
export interface CacheResult<T> {
  /** The value, or `undefined` on a miss. */
  value: T | undefined;
  /** False on a miss. */
  found: boolean;
  /** `l1`, `redis`, `memory` (the fallback, Redis being down), `loader`, or `none` on a miss. */
  source: CacheSource;
  /** True when the value is past its TTL, served within its grace period. */
  stale: boolean;
  /** True when Redis was unusable and the fallback answered (or failed to) instead. */
  degraded: boolean;
}
