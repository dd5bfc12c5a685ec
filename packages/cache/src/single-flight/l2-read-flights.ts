import type { ResilientStore, StoreSource } from '@redgrid/fallback';
import type { CacheCounters } from '../cache/cache-metrics.js';
import { isUsable } from '../cache/freshness.js';
import type { DecodedValue, ValueCodec } from '../codec/value-codec.js';
import type { L1Cache } from '../l1/l1-cache.js';

/** A value read from L2 (Redis or the fallback): the decoded value and where it came from. */
export interface L2Value extends DecodedValue {
  source: StoreSource;
}

interface Flight {
  invalidated: boolean;
  epoch: number;
  promise: Promise<L2Value | undefined> | undefined;
}

/** What {@link L2ReadFlights} uses of the cache. */
export interface L2ReadFlightsOptions {
  store: ResilientStore;
  codec: ValueCodec;
  counters: CacheCounters;
  l1: L1Cache | undefined;
  /** The invalidation subscription's current epoch (0 without one). */
  epoch: () => number;
  onError: (error: unknown) => void;
}

/**
 * L2 reads, one per key at a time: concurrent readers of a key share one Redis read, and what
 * it read refills L1 unless the key was written, deleted or invalidated meanwhile (then the
 * flight is marked and its result kept out of L1). Internal.
 */
export class L2ReadFlights {
  readonly #options: L2ReadFlightsOptions;
  readonly #flights = new Map<string, Flight>();

  constructor(options: L2ReadFlightsOptions) {
    this.#options = options;
  }

  /** One L2 read per key at a time: concurrent readers share it. */
  read(key: string): Promise<L2Value | undefined> {
    const existing = this.#flights.get(key);
    if (existing?.promise) return existing.promise;
    const flight: Flight = {
      invalidated: false,
      epoch: this.#options.epoch(),
      promise: undefined,
    };
    const promise = this.#read(key, flight);
    flight.promise = promise;
    this.#flights.set(key, flight);
    return promise;
  }

  async #read(key: string, flight: Flight): Promise<L2Value | undefined> {
    const { store, codec, counters } = this.#options;
    try {
      const result = await store.getBuffer(key);
      if (result.source === 'memory') counters.fallbackReads++;
      if (result.value === null) return undefined;
      let decoded: L2Value;
      try {
        const decoding = codec.decodeFast(result.value);
        // The decoded object becomes the L2Value (one allocation less per read).
        decoded = (decoding instanceof Promise ? await decoding : decoding) as L2Value;
        decoded.source = result.source;
      } catch (error) {
        counters.decodeErrors++;
        this.#options.onError(error);
        return undefined;
      }
      const now = Date.now();
      if (isUsable(decoded.freshUntilMs, decoded.staleUntilMs, now) === 'gone') return undefined;
      if (!flight.invalidated) {
        this.#options.l1?.put(
          key,
          decoded.value,
          decoded.freshUntilMs,
          decoded.staleUntilMs,
          decoded.storedBytes,
          flight.epoch,
        );
      }
      return decoded;
    } finally {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    }
  }

  /** Reads many keys with one MGET per slot, joining reads already in flight. */
  async readMany(keys: readonly string[]): Promise<Array<L2Value | undefined>> {
    const results: Array<Promise<L2Value | undefined> | undefined> = new Array(keys.length);
    const batch: string[] = [];
    const batchFlights: Flight[] = [];
    const batchPositions: number[] = [];
    const seen = new Map<string, number>();
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] ?? '';
      const existing = this.#flights.get(key)?.promise;
      if (existing) {
        results[index] = existing;
        continue;
      }
      const position = seen.get(key);
      if (position !== undefined) {
        batchPositions.push(index);
        continue;
      }
      seen.set(key, batch.length);
      batch.push(key);
      batchPositions.push(index);
      batchFlights.push({
        invalidated: false,
        epoch: this.#options.epoch(),
        promise: undefined,
      });
    }
    if (batch.length > 0) {
      const fetched = this.#readBatch(batch, batchFlights);
      batch.forEach((key, position) => {
        const flight = batchFlights[position];
        if (flight === undefined) return;
        flight.promise = fetched.then((values) => values[position]);
        this.#flights.set(key, flight);
      });
      for (const index of batchPositions) {
        const position = seen.get(keys[index] ?? '') ?? 0;
        results[index] = fetched.then((values) => values[position]);
      }
    }
    return Promise.all(results.map((result) => result ?? Promise.resolve(undefined)));
  }

  async #readBatch(keys: string[], flights: Flight[]): Promise<Array<L2Value | undefined>> {
    const { store, codec, counters } = this.#options;
    try {
      const result = await store.mgetBuffer(keys);
      if (result.source === 'memory') counters.fallbackReads += keys.length;
      const now = Date.now();
      return await Promise.all(
        result.value.map(async (data, position) => {
          if (data === null) return undefined;
          const key = keys[position] ?? '';
          try {
            const decoding = codec.decodeFast(data);
            const decoded = decoding instanceof Promise ? await decoding : decoding;
            if (isUsable(decoded.freshUntilMs, decoded.staleUntilMs, now) === 'gone')
              return undefined;
            const flight = flights[position];
            if (flight && !flight.invalidated) {
              this.#options.l1?.put(
                key,
                decoded.value,
                decoded.freshUntilMs,
                decoded.staleUntilMs,
                decoded.storedBytes,
                flight.epoch,
              );
            }
            return { ...decoded, source: result.source };
          } catch (error) {
            counters.decodeErrors++;
            this.#options.onError(error);
            return undefined;
          }
        }),
      );
    } finally {
      keys.forEach((key, position) => {
        if (this.#flights.get(key) === flights[position]) this.#flights.delete(key);
      });
    }
  }

  /** The read of `key` in flight, if any, must not refill L1: the key changed meanwhile. */
  invalidate(key: string): void {
    const flight = this.#flights.get(key);
    if (flight) {
      flight.invalidated = true;
      this.#flights.delete(key);
    }
  }

  /** {@link invalidate} for every key in flight under `prefix`. */
  invalidatePrefix(prefix: string): void {
    for (const key of [...this.#flights.keys()]) {
      if (key.startsWith(prefix)) this.invalidate(key);
    }
  }

  /** {@link invalidate} for every key in flight. */
  invalidateAll(): void {
    for (const key of [...this.#flights.keys()]) this.invalidate(key);
  }
}
