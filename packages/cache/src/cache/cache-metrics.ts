import { type CacheMessage, redgridChannel } from '@redgrid/core';
import type { StoreSource } from '@redgrid/fallback';

/** Counters of a cache (all namespaces together), since it was created. */
export interface CacheMetrics {
  /** Reads answered with a fresh value (L1 or L2). */
  hits: number;
  l1Hits: number;
  /** Fresh values read from Redis or, while it is down, from the fallback store. */
  l2Hits: number;
  /** Reads that found no usable value. */
  misses: number;
  /** Stale values served within their grace period. */
  staleHits: number;
  /** L2 reads answered by the in-memory fallback because Redis was unusable. */
  fallbackReads: number;
  /** Writes that went to the in-memory fallback because Redis was unusable. */
  fallbackWrites: number;
  /** Loader runs (`getOrSet`), foreground and background. */
  loads: number;
  loadErrors: number;
  sets: number;
  deletes: number;
  /** Stored values that could not be decoded (read as misses). */
  decodeErrors: number;
  invalidationsSent: number;
  invalidationsReceived: number;
  /** Times L1 was emptied (subscription lost, Redis recovered, `clear()`). */
  l1Flushes: number;
  /** Entries in L1 (expired ones not yet swept included). */
  l1Entries: number;
  /** Estimated bytes held by L1. */
  l1Bytes: number;
  /** True while Redis is unusable and the fallback answers. */
  degraded: boolean;
  /** True while the invalidation subscription delivers (always true without one). */
  subscribed: boolean;
}

/** The counting part of {@link CacheMetrics}: what the layers increment. */
export type CacheCounters = Omit<CacheMetrics, 'l1Entries' | 'l1Bytes' | 'degraded' | 'subscribed'>;

/** Counters at zero. */
export function createCounters(): CacheCounters {
  return {
    hits: 0,
    l1Hits: 0,
    l2Hits: 0,
    misses: 0,
    staleHits: 0,
    fallbackReads: 0,
    fallbackWrites: 0,
    loads: 0,
    loadErrors: 0,
    sets: 0,
    deletes: 0,
    decodeErrors: 0,
    invalidationsSent: 0,
    invalidationsReceived: 0,
    l1Flushes: 0,
  };
}

const cacheChannel = redgridChannel('redgrid:cache');

/**
 * Counts each read once, by where its value came from, and publishes it on `redgrid:cache`
 * (diagnostics_channel; nothing is built while nobody subscribes, so the L1 hot path stays
 * allocation-free). The one place every read path reports to.
 */
export class ReadRecorder {
  readonly #counters: CacheCounters;
  readonly #cache: string;

  constructor(counters: CacheCounters, cache: string) {
    this.#counters = counters;
    this.#cache = cache;
  }

  /** A fresh value from L1. */
  l1(): void {
    this.#counters.hits++;
    this.#counters.l1Hits++;
    if (cacheChannel.hasSubscribers) this.#publish('l1');
  }

  /** A fresh value from L2: Redis, or the in-memory fallback while Redis is unusable. */
  l2(source: StoreSource): void {
    this.#counters.hits++;
    this.#counters.l2Hits++;
    if (cacheChannel.hasSubscribers) this.#publish(source === 'memory' ? 'fallback' : 'l2');
  }

  /** A value past its TTL served within its grace period. */
  stale(): void {
    this.#counters.staleHits++;
    if (cacheChannel.hasSubscribers) this.#publish('stale');
  }

  /** No usable value. */
  miss(): void {
    this.#counters.misses++;
    if (cacheChannel.hasSubscribers) this.#publish('miss');
  }

  #publish(result: CacheMessage['result']): void {
    cacheChannel.publish({ cache: this.#cache, result } satisfies CacheMessage);
  }
}
