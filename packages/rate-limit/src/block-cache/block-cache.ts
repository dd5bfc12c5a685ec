import { performance } from 'node:perf_hooks';

/** Options of the local block cache (`createRateLimiter({ blockCache })`). */
export interface BlockCacheOptions {
  /** Most keys remembered at once; the oldest entry is dropped first. Default 10_000. */
  maxEntries?: number;
}

interface Entry {
  /** performance.now() until which the key is known to be rejected. */
  until: number;
  /** performance.now() at which the key will be fully replenished. */
  resetAt: number;
  /** Smallest cost known to be rejected until `until`. */
  cost: number;
  limit: number;
}

/** What the cache knows about a key that is over its limit. */
export interface CachedRejection {
  limit: number;
  resetMs: number;
  retryAfterMs: number;
}

/**
 * Remembers, in this process, keys that Redis rejected and until when, so that further checks
 * of them are rejected without a round trip until their `retryAfterMs` has passed. Bounded by
 * `maxEntries` (oldest first out) and swept lazily: an entry is dropped when read after its
 * expiry or when it is the oldest at insert — never a timer.
 *
 * Gotchas: the deadline starts when the reply arrives, so it errs a round trip late (never
 * early); a limit raised, a refund or a reset made by another process is seen only when the
 * entry expires (this process's own `refund` and `reset` clear it).
 */
export class BlockCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #clock: () => number;
  #hits = 0;

  /** `clock`: a monotonic clock in ms (default `performance.now`), for tests. */
  constructor(maxEntries: number, clock: () => number = () => performance.now()) {
    this.#maxEntries = maxEntries;
    this.#clock = clock;
  }

  /** Rejections answered from the cache since creation. */
  get hits(): number {
    return this.#hits;
  }

  /** Entries held (some may be expired and not yet dropped). */
  get size(): number {
    return this.#entries.size;
  }

  /** The cached rejection of `key` for a check of `cost`, if one is still due. */
  get(key: string, cost: number): CachedRejection | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.#clock();
    if (now >= entry.until) {
      this.#entries.delete(key);
      return undefined;
    }
    if (cost < entry.cost) return undefined;
    this.#hits++;
    return {
      limit: entry.limit,
      retryAfterMs: Math.ceil(entry.until - now),
      resetMs: Math.max(0, Math.ceil(entry.resetAt - now)),
    };
  }

  /** Records that `key` rejected a check of `cost` for `retryAfterMs`. */
  add(key: string, cost: number, limit: number, retryAfterMs: number, resetMs: number): void {
    if (retryAfterMs <= 0) return;
    const now = this.#clock();
    // A check reaches Redis only when its cost is below the cached one or the entry expired, so
    // the new rejection always replaces the old (a cost rejected until T rejects any larger one).
    if (this.#entries.has(key)) this.#entries.delete(key);
    else if (this.#entries.size >= this.#maxEntries) {
      // Map iteration order is insertion order: the first key is the oldest entry.
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, {
      until: now + retryAfterMs,
      resetAt: now + Math.max(resetMs, retryAfterMs),
      cost,
      limit,
    });
  }

  /** Forgets `key` (after a refund or reset made here). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }
}
