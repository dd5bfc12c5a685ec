import { MemoryStore } from '@redgrid/fallback';

/** An entry of L1: the decoded value and its freshness window (wall-clock ms, 0: none). */
export interface L1Entry {
  value: unknown;
  freshUntilMs: number;
  staleUntilMs: number;
}

/** What L1 needs to know of the invalidation subscription (the bus), when there is one. */
export interface L1Subscription {
  /** Changes at every loss and restoration of the subscription. */
  readonly epoch: number;
  /** True while the subscription delivers. */
  readonly active: boolean;
}

/** Options of an {@link L1Cache}. */
export interface L1CacheOptions {
  maxBytes: number;
  maxEntries: number;
  /** Upper bound of an entry's life in L1 (0: none). */
  maxTtlMs: number;
  /**
   * While the subscription is lost: `undefined` keeps nothing in L1 (flush mode); a number caps
   * every entry's remaining life to it.
   */
  capTtlMs: number | undefined;
  /** The current subscription, or `undefined` when L1 is not invalidated by other instances. */
  subscription: () => L1Subscription | undefined;
}

const L1_ENTRY_OVERHEAD_BYTES = 128;

/**
 * The in-process first level: decoded values in a bounded `MemoryStore`, with the rules that keep
 * it from serving what another instance changed — nothing read under an older subscription epoch
 * is kept, and while the subscription is lost entries are dropped or capped. Internal.
 */
export class L1Cache {
  readonly #store: MemoryStore<L1Entry>;
  readonly #maxTtlMs: number;
  readonly #capTtlMs: number | undefined;
  readonly #subscription: () => L1Subscription | undefined;

  constructor(options: L1CacheOptions) {
    this.#store = new MemoryStore<L1Entry>({
      maxBytes: options.maxBytes,
      maxEntries: options.maxEntries,
    });
    this.#maxTtlMs = options.maxTtlMs;
    this.#capTtlMs = options.capTtlMs;
    this.#subscription = options.subscription;
  }

  /** Entries held (expired ones not yet swept included). */
  get size(): number {
    return this.#store.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#store.bytes;
  }

  /** The entry of `key`, fresh, stale or past its grace. */
  get(key: string): L1Entry | undefined {
    return this.#store.get(key);
  }

  /** A fresh entry, or undefined. The hot path: no allocation. */
  fresh(key: string): L1Entry | undefined {
    const entry = this.#store.get(key);
    if (entry === undefined) return undefined;
    if (entry.freshUntilMs === 0 || Date.now() < entry.freshUntilMs) return entry;
    return undefined;
  }

  /**
   * Keeps a value read or written under subscription `epoch`, for as long as its window, the
   * L1 bound and (subscription lost) the cap allow. A value read under another epoch may have
   * missed an invalidation: it is not kept.
   */
  put(
    key: string,
    value: unknown,
    freshUntilMs: number,
    staleUntilMs: number,
    storedBytes: number,
    epoch: number,
  ): void {
    const subscription = this.#subscription();
    let ttlMs = 0;
    if (staleUntilMs !== 0) {
      ttlMs = staleUntilMs - Date.now();
      if (ttlMs <= 0) return;
    }
    if (subscription) {
      if (subscription.epoch !== epoch) return;
      if (!subscription.active) {
        if (this.#capTtlMs === undefined) return;
        ttlMs = ttlMs === 0 ? this.#capTtlMs : Math.min(ttlMs, this.#capTtlMs);
      }
    }
    if (this.#maxTtlMs > 0) ttlMs = ttlMs === 0 ? this.#maxTtlMs : Math.min(ttlMs, this.#maxTtlMs);
    this.#store.set(
      key,
      { value, freshUntilMs, staleUntilMs },
      {
        ttlMs,
        sizeBytes: storedBytes + key.length * 2 + L1_ENTRY_OVERHEAD_BYTES,
      },
    );
  }

  delete(key: string): void {
    this.#store.delete(key);
  }

  deleteByPrefix(prefix: string): void {
    this.#store.deleteByPrefix(prefix);
  }

  clear(): void {
    this.#store.clear();
  }

  /**
   * The subscription was lost: in cap mode, caps every entry's remaining life and returns true;
   * in flush mode does nothing and returns false (the owner flushes L1 and its reads in flight).
   */
  capRemaining(): boolean {
    const capTtlMs = this.#capTtlMs;
    if (capTtlMs === undefined) return false;
    for (const key of this.#store.keys()) {
      const remaining = this.#store.ttlMs(key);
      if (remaining === -1 || remaining > capTtlMs) this.#store.expire(key, capTtlMs);
    }
    return true;
  }

  dispose(): void {
    this.#store.dispose();
  }
}
