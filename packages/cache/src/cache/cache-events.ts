import type { RecoveryReport } from '@redgrid/fallback';

/** Listener signatures of `Cache.on`. */
export interface CacheEvents {
  /** Redis became unusable: reads and writes use the in-memory fallback. */
  degraded: (info: { error: unknown }) => void;
  /** Redis answers again; keys written meanwhile were invalidated. */
  recovered: (report: RecoveryReport) => void;
  /**
   * A background failure: a refresh's loader failed (the stale value was kept), a stored value
   * could not be decoded (read as a miss), the subscriber could not subscribe. Calls are not
   * affected.
   */
  error: (error: unknown) => void;
}
