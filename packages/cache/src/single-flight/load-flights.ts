import type { ResilientStore } from '@redgrid/fallback';
import type { CacheCounters, ReadRecorder } from '../cache/cache-metrics.js';
import type { CacheResult } from '../cache/cache-result.js';
import { isUsable, staleCandidate } from '../cache/freshness.js';
import { SerializationError } from '../errors/serialization-error.js';
import type { L1Cache } from '../l1/l1-cache.js';
import type { DistributedSingleFlight } from './distributed-single-flight.js';
import type { L2Value } from './l2-read-flights.js';

/** One entry to write: what `CacheCore.write` takes. */
export interface WriteEntry {
  key: string;
  value: unknown;
  ttlMs: number;
  graceMs: number;
}

/** What {@link LoadFlights} uses of the cache. */
export interface LoadFlightsOptions {
  store: ResilientStore;
  counters: CacheCounters;
  /** Where each read is counted and published. */
  reads: ReadRecorder;
  l1: L1Cache | undefined;
  readL2: (key: string) => Promise<L2Value | undefined>;
  write: (entries: ReadonlyArray<WriteEntry>) => Promise<void>;
  onError: (error: unknown) => void;
  /** Single-flight across processes (opt-in), else loads are single-flight per process only. */
  distributed?: DistributedSingleFlight | undefined;
}

/**
 * `getOrSet` past a missed L1: one flight per key runs the L2 read and, on a miss, the loader;
 * concurrent callers share its result. A stale value within grace is returned at once while one
 * background refresh per key runs. Internal.
 */
export class LoadFlights {
  readonly #options: LoadFlightsOptions;
  readonly #loads = new Map<string, { token: object; promise: Promise<unknown> }>();
  readonly #refreshes = new Set<string>();
  #closed = false;

  constructor(options: LoadFlightsOptions) {
    this.#options = options;
  }

  getOrLoad<T>(
    key: string,
    loader: () => T | Promise<T>,
    ttlMs: number,
    graceMs: number,
  ): Promise<CacheResult<T>> {
    const existing = this.#loads.get(key);
    if (existing) return existing.promise as Promise<CacheResult<T>>;
    const token = {};
    const promise = this.#getOrLoad(key, loader, ttlMs, graceMs, token);
    this.#loads.set(key, { token, promise });
    return promise;
  }

  /** No background refresh starts after this. */
  close(): void {
    this.#closed = true;
  }

  async #getOrLoad<T>(
    key: string,
    loader: () => T | Promise<T>,
    ttlMs: number,
    graceMs: number,
    token: object,
  ): Promise<CacheResult<T>> {
    const { store, reads } = this.#options;
    try {
      const l1Entry = this.#options.l1?.get(key);
      const l2 = await this.#options.readL2(key);
      const now = Date.now();
      if (l2 && isUsable(l2.freshUntilMs, l2.staleUntilMs, now) === 'fresh') {
        reads.l2(l2.source);
        const degraded = l2.source === 'memory';
        return {
          value: l2.value as T,
          found: true,
          source: l2.source,
          stale: false,
          degraded,
        };
      }
      const stale = staleCandidate(l2, l1Entry, now);
      if (stale) {
        reads.stale();
        this.#refresh(key, loader, ttlMs, graceMs);
        const degraded = store.degraded;
        return {
          value: stale.value as T,
          found: true,
          source: stale.source,
          stale: true,
          degraded,
        };
      }
      reads.miss();
      const distributed = this.#options.distributed;
      if (distributed !== undefined) {
        const loaded = await distributed.run(
          key,
          () => this.#load(key, loader, ttlMs, graceMs),
          () => this.#readFresh(key),
        );
        return {
          value: loaded.value,
          found: loaded.value !== undefined,
          source: loaded.source,
          stale: false,
          degraded: store.degraded,
        };
      }
      const value = await this.#load(key, loader, ttlMs, graceMs);
      return {
        value,
        found: value !== undefined,
        source: 'loader',
        stale: false,
        degraded: store.degraded,
      };
    } finally {
      if (this.#loads.get(key)?.token === token) this.#loads.delete(key);
    }
  }

  async #load<T>(
    key: string,
    loader: () => T | Promise<T>,
    ttlMs: number,
    graceMs: number,
  ): Promise<T> {
    const { counters } = this.#options;
    counters.loads++;
    let value: T;
    try {
      value = await loader();
    } catch (error) {
      counters.loadErrors++;
      throw error;
    }
    if (value === undefined) return value;
    try {
      await this.#options.write([{ key, value, ttlMs, graceMs }]);
    } catch (error) {
      // The value is good; failing to cache it must not fail the read — unless it can never be
      // cached (a serializer refusal is a programming error worth surfacing).
      if (SerializationError.isInstance(error)) throw error;
      this.#options.onError(error);
    }
    return value;
  }

  /** A fresh value of `key` in L2 (another process's load), or undefined. */
  async #readFresh(key: string): Promise<L2Value | undefined> {
    const l2 = await this.#options.readL2(key);
    if (l2 && isUsable(l2.freshUntilMs, l2.staleUntilMs, Date.now()) === 'fresh') return l2;
    return undefined;
  }

  #refresh<T>(key: string, loader: () => T | Promise<T>, ttlMs: number, graceMs: number): void {
    if (this.#refreshes.has(key) || this.#closed) return;
    this.#refreshes.add(key);
    const load = () => this.#load(key, loader, ttlMs, graceMs);
    const distributed = this.#options.distributed;
    // Across processes, one refresh: the others keep serving the stale value meanwhile.
    (distributed === undefined ? load() : distributed.runIfFree(key, load))
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => this.#refreshes.delete(key));
  }
}
