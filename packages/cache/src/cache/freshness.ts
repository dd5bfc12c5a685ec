import type { CacheSource } from './cache-result.js';

/** The freshness window of a stored value (wall-clock ms; 0: no expiry). */
export interface Freshness {
  freshUntilMs: number;
  staleUntilMs: number;
}

/** Whether a value is fresh, stale (within its grace period) or gone at `now`. */
export function isUsable(
  freshUntilMs: number,
  staleUntilMs: number,
  now: number,
): 'fresh' | 'stale' | 'gone' {
  if (freshUntilMs === 0 || now < freshUntilMs) return 'fresh';
  if (now < staleUntilMs) return 'stale';
  return 'gone';
}

/** The stale value to serve within grace: L2's if stale, else L1's, else none. */
export function staleCandidate(
  l2: (Freshness & { value: unknown; source: CacheSource }) | undefined,
  l1Entry: (Freshness & { value: unknown }) | undefined,
  now: number,
): { value: unknown; source: CacheSource } | undefined {
  if (l2 && isUsable(l2.freshUntilMs, l2.staleUntilMs, now) === 'stale') {
    return { value: l2.value, source: l2.source };
  }
  if (l1Entry && isUsable(l1Entry.freshUntilMs, l1Entry.staleUntilMs, now) === 'stale') {
    return { value: l1Entry.value, source: 'l1' };
  }
  return undefined;
}
