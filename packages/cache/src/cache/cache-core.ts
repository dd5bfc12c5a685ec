import { ConfigError, type ConfigIssue, TypedEmitter } from '@redgrid/core';
import {
  MemoryStore,
  type RecoveryReport,
  ResilientStore,
  type StoreSource,
} from '@redgrid/fallback';
import { type DecodedValue, ValueCodec } from '../codec/value-codec.js';
import { SerializationError } from '../errors/serialization-error.js';
import {
  type Invalidation,
  InvalidationBus,
  type PublisherClient,
  type SubscriberClient,
} from '../invalidation/invalidation-bus.js';
import type { CacheOptions } from './cache-options.js';

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

/** An entry of L1: the decoded value and its freshness window (wall-clock ms, 0: none). */
interface L1Entry {
  value: unknown;
  freshUntilMs: number;
  staleUntilMs: number;
}

/** A value read from L2 (Redis or the fallback): the decoded value and where it came from. */
export interface L2Value extends DecodedValue {
  source: StoreSource;
}

interface Flight {
  invalidated: boolean;
  epoch: number;
  promise: Promise<L2Value | undefined> | undefined;
}

type Counters = Omit<CacheMetrics, 'l1Entries' | 'l1Bytes' | 'degraded' | 'subscribed'>;

const L1_ENTRY_OVERHEAD_BYTES = 128;

function isUsable(
  freshUntilMs: number,
  staleUntilMs: number,
  now: number,
): 'fresh' | 'stale' | 'gone' {
  if (freshUntilMs === 0 || now < freshUntilMs) return 'fresh';
  if (now < staleUntilMs) return 'stale';
  return 'gone';
}

function validate(options: CacheOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const nonNegative = (value: number | undefined, variable: string) => {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      issues.push({
        variable,
        message: `must be a finite number >= 0, got ${value}`,
      });
    }
  };
  const positiveInteger = (value: number | undefined, variable: string) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      issues.push({
        variable,
        message: `must be a positive integer, got ${value}`,
      });
    }
  };
  nonNegative(options.ttlSeconds, 'options.ttlSeconds');
  nonNegative(options.graceSeconds, 'options.graceSeconds');
  if (options.jitter !== undefined && !(options.jitter >= 0 && options.jitter < 1)) {
    issues.push({
      variable: 'options.jitter',
      message: `must be in [0, 1), got ${options.jitter}`,
    });
  }
  if (options.prefix !== undefined && /[{}]/.test(options.prefix)) {
    issues.push({
      variable: 'options.prefix',
      message: 'must not contain { or } (they would become the hash tag of every key)',
    });
  }
  if (options.l1) {
    positiveInteger(options.l1.maxBytes, 'options.l1.maxBytes');
    positiveInteger(options.l1.maxEntries, 'options.l1.maxEntries');
    nonNegative(options.l1.maxTtlSeconds, 'options.l1.maxTtlSeconds');
  }
  if (options.invalidation) {
    positiveInteger(
      options.invalidation.heartbeatIntervalMs,
      'options.invalidation.heartbeatIntervalMs',
    );
    positiveInteger(
      options.invalidation.heartbeatTimeoutMs,
      'options.invalidation.heartbeatTimeoutMs',
    );
    const lost = options.invalidation.onSubscriptionLost;
    if (lost !== undefined && lost !== 'flush') {
      positiveInteger(lost.capTtlMs, 'options.invalidation.onSubscriptionLost.capTtlMs');
    }
  }
  return issues;
}

/**
 * The state a cache and all its namespaces share: L1, the resilient L2 store, the codec, the
 * invalidation bus, in-flight reads and loads, and the counters. Internal; `Cache` is the API.
 */
export class CacheCore {
  readonly prefix: string;
  readonly store: ResilientStore;
  readonly codec: ValueCodec;
  readonly l1: MemoryStore<L1Entry> | undefined;
  readonly bus: InvalidationBus | undefined;
  readonly ttlMs: number;
  readonly graceMs: number;
  readonly counters: Counters = {
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
  readonly #jitter: number;
  readonly #l1MaxTtlMs: number;
  readonly #capTtlMs: number | undefined;
  readonly #ownsStore: boolean;
  readonly #flights = new Map<string, Flight>();
  readonly #loads = new Map<string, { token: object; promise: Promise<unknown> }>();
  readonly #refreshes = new Set<string>();
  readonly #events = new TypedEmitter<CacheEvents>({ name: 'a cache' });
  readonly #unsubscribe: Array<() => void> = [];
  #closed = false;

  constructor(options: CacheOptions) {
    const issues = validate(options);
    if (issues.length > 0) throw new ConfigError(issues);
    this.prefix = options.prefix ?? 'cache:';
    this.ttlMs = (options.ttlSeconds ?? 300) * 1000;
    this.graceMs = (options.graceSeconds ?? 0) * 1000;
    this.#jitter = options.jitter ?? 0.1;
    this.codec = new ValueCodec({
      ...(options.serializer ? { serializer: options.serializer } : {}),
      ...(options.serializers ? { serializers: options.serializers } : {}),
      ...(options.compression !== undefined ? { compression: options.compression } : {}),
      ...(options.encryption ? { encryption: options.encryption } : {}),
    });
    if (options.store) {
      this.store = options.store;
      this.#ownsStore = false;
    } else {
      this.store = new ResilientStore({
        connection: options.connection,
        recovery: 'invalidate',
        memory: {
          maxBytes: 32 * 1024 * 1024,
          maxEntries: 50_000,
          ...options.fallback,
        },
      });
      this.#ownsStore = true;
    }
    const l1 = options.l1 === undefined ? {} : options.l1;
    this.l1 =
      l1 === false
        ? undefined
        : new MemoryStore<L1Entry>({
            maxBytes: l1.maxBytes ?? 32 * 1024 * 1024,
            maxEntries: l1.maxEntries ?? 50_000,
          });
    this.#l1MaxTtlMs = l1 === false ? 0 : (l1.maxTtlSeconds ?? 0) * 1000;
    const invalidation = options.invalidation === undefined ? {} : options.invalidation;
    const lost = invalidation === false ? 'flush' : (invalidation.onSubscriptionLost ?? 'flush');
    this.#capTtlMs = lost === 'flush' ? undefined : lost.capTtlMs;
    if (this.l1 !== undefined && invalidation !== false) {
      const connection = options.connection;
      this.bus = new InvalidationBus({
        channel: invalidation.channel ?? `rg:cache:${this.prefix}`,
        publisher: connection.client as PublisherClient,
        // ioredis types its listeners with `any`; the bus only needs the narrow surface.
        openSubscriber: () => connection.dedicated() as unknown as SubscriberClient,
        closeSubscriber: true,
        heartbeatIntervalMs: invalidation.heartbeatIntervalMs ?? 1_000,
        heartbeatTimeoutMs: invalidation.heartbeatTimeoutMs ?? 3_000,
        onInvalidation: (message) => this.#onInvalidation(message),
        onLost: () => this.#onSubscriptionLost(),
        onRestored: () => undefined,
        onError: (error) => this.emit('error', error),
      });
      this.bus.start();
    }
    this.#unsubscribe.push(
      this.store.on('degraded', (info) => this.emit('degraded', info)),
      this.store.on('recovered', (report) => this.#onRecovered(report)),
      this.store.on('error', (error) => this.emit('error', error)),
    );
  }

  on<E extends keyof CacheEvents>(event: E, listener: CacheEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  emit<E extends keyof CacheEvents>(event: E, ...args: Parameters<CacheEvents[E]>): void {
    this.#events.emit(event, ...args);
  }

  /** A fresh L1 value, or undefined. The hot path: no allocation. */
  l1Fresh(key: string): L1Entry | undefined {
    const entry = this.l1?.get(key);
    if (entry === undefined) return undefined;
    if (entry.freshUntilMs === 0 || Date.now() < entry.freshUntilMs) return entry;
    return undefined;
  }

  /** Reads `key` past a missed L1: L2 (single-flight), then a stale value if Redis is down. */
  async read(key: string): Promise<CacheResult<unknown>> {
    const l1Entry = this.l1?.get(key);
    const now = Date.now();
    if (l1Entry && isUsable(l1Entry.freshUntilMs, l1Entry.staleUntilMs, now) === 'fresh') {
      this.counters.hits++;
      this.counters.l1Hits++;
      return {
        value: l1Entry.value,
        found: true,
        source: 'l1',
        stale: false,
        degraded: false,
      };
    }
    const l2 = await this.readL2(key);
    const after = Date.now();
    if (l2 && isUsable(l2.freshUntilMs, l2.staleUntilMs, after) === 'fresh') {
      this.counters.hits++;
      this.counters.l2Hits++;
      const degraded = l2.source === 'memory';
      return {
        value: l2.value,
        found: true,
        source: l2.source,
        stale: false,
        degraded,
      };
    }
    return this.#missOrStale(l2, l1Entry);
  }

  #missOrStale(l2: L2Value | undefined, l1Entry: L1Entry | undefined): CacheResult<unknown> {
    const degraded = this.store.degraded;
    if (degraded) {
      const stale = this.#staleCandidate(l2, l1Entry, Date.now());
      if (stale) {
        this.counters.staleHits++;
        return {
          value: stale.value,
          found: true,
          source: stale.source,
          stale: true,
          degraded,
        };
      }
    }
    this.counters.misses++;
    return {
      value: undefined,
      found: false,
      source: 'none',
      stale: false,
      degraded,
    };
  }

  /** `read` without the metadata: what `get` uses past a missed L1. */
  async readValue(key: string): Promise<unknown> {
    if (this.l1 !== undefined) return (await this.read(key)).value;
    const l2 = await this.readL2(key);
    if (l2 !== undefined && (l2.freshUntilMs === 0 || Date.now() < l2.freshUntilMs)) {
      this.counters.hits++;
      this.counters.l2Hits++;
      return l2.value;
    }
    return this.#missOrStale(l2, undefined).value;
  }

  /** One L2 read per key at a time: concurrent readers share it. */
  readL2(key: string): Promise<L2Value | undefined> {
    const existing = this.#flights.get(key);
    if (existing?.promise) return existing.promise;
    const flight: Flight = {
      invalidated: false,
      epoch: this.bus?.epoch ?? 0,
      promise: undefined,
    };
    const promise = this.#readL2(key, flight);
    flight.promise = promise;
    this.#flights.set(key, flight);
    return promise;
  }

  async #readL2(key: string, flight: Flight): Promise<L2Value | undefined> {
    try {
      const result = await this.store.getBuffer(key);
      if (result.source === 'memory') this.counters.fallbackReads++;
      if (result.value === null) return undefined;
      let decoded: L2Value;
      try {
        const decoding = this.codec.decodeFast(result.value);
        // The decoded object becomes the L2Value (one allocation less per read).
        decoded = (decoding instanceof Promise ? await decoding : decoding) as L2Value;
        decoded.source = result.source;
      } catch (error) {
        this.counters.decodeErrors++;
        this.emit('error', error);
        return undefined;
      }
      const now = Date.now();
      if (isUsable(decoded.freshUntilMs, decoded.staleUntilMs, now) === 'gone') return undefined;
      if (!flight.invalidated) {
        this.putL1(
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

  /** Reads many keys past L1 with one MGET per slot, joining reads already in flight. */
  async readManyL2(keys: readonly string[]): Promise<Array<L2Value | undefined>> {
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
        epoch: this.bus?.epoch ?? 0,
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
    try {
      const result = await this.store.mgetBuffer(keys);
      if (result.source === 'memory') this.counters.fallbackReads += keys.length;
      const now = Date.now();
      return await Promise.all(
        result.value.map(async (data, position) => {
          if (data === null) return undefined;
          const key = keys[position] ?? '';
          try {
            const decoding = this.codec.decodeFast(data);
            const decoded = decoding instanceof Promise ? await decoding : decoding;
            if (isUsable(decoded.freshUntilMs, decoded.staleUntilMs, now) === 'gone')
              return undefined;
            const flight = flights[position];
            if (flight && !flight.invalidated) {
              this.putL1(
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
            this.counters.decodeErrors++;
            this.emit('error', error);
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

  /**
   * `getOrSet` past a missed L1: one flight per key runs the L2 read and, on a miss, the loader;
   * concurrent callers share its result. A stale value within grace is returned at once while
   * one background refresh runs.
   */
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

  async #getOrLoad<T>(
    key: string,
    loader: () => T | Promise<T>,
    ttlMs: number,
    graceMs: number,
    token: object,
  ): Promise<CacheResult<T>> {
    try {
      const l1Entry = this.l1?.get(key);
      const l2 = await this.readL2(key);
      const now = Date.now();
      if (l2 && isUsable(l2.freshUntilMs, l2.staleUntilMs, now) === 'fresh') {
        this.counters.hits++;
        this.counters.l2Hits++;
        const degraded = l2.source === 'memory';
        return {
          value: l2.value as T,
          found: true,
          source: l2.source,
          stale: false,
          degraded,
        };
      }
      const stale = this.#staleCandidate(l2, l1Entry, now);
      if (stale) {
        this.counters.staleHits++;
        this.#refresh(key, loader, ttlMs, graceMs);
        const degraded = this.store.degraded;
        return {
          value: stale.value as T,
          found: true,
          source: stale.source,
          stale: true,
          degraded,
        };
      }
      this.counters.misses++;
      const value = await this.#load(key, loader, ttlMs, graceMs);
      return {
        value,
        found: value !== undefined,
        source: 'loader',
        stale: false,
        degraded: this.store.degraded,
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
    this.counters.loads++;
    let value: T;
    try {
      value = await loader();
    } catch (error) {
      this.counters.loadErrors++;
      throw error;
    }
    if (value === undefined) return value;
    try {
      await this.write([{ key, value, ttlMs, graceMs }]);
    } catch (error) {
      // The value is good; failing to cache it must not fail the read — unless it can never be
      // cached (a serializer refusal is a programming error worth surfacing).
      if (SerializationError.isInstance(error)) throw error;
      this.emit('error', error);
    }
    return value;
  }

  #refresh<T>(key: string, loader: () => T | Promise<T>, ttlMs: number, graceMs: number): void {
    if (this.#refreshes.has(key) || this.#closed) return;
    this.#refreshes.add(key);
    this.#load(key, loader, ttlMs, graceMs)
      .catch((error: unknown) => this.emit('error', error))
      .finally(() => this.#refreshes.delete(key));
  }

  #staleCandidate(
    l2: L2Value | undefined,
    l1Entry: L1Entry | undefined,
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

  /** Encodes and writes entries to L1 and L2 (one script per slot), then tells the other instances. */
  async write(
    entries: ReadonlyArray<{
      key: string;
      value: unknown;
      ttlMs: number;
      graceMs: number;
    }>,
  ): Promise<void> {
    const now = Date.now();
    const prepared = await Promise.all(
      entries.map(async (entry) => {
        const ttlMs = this.#jittered(entry.ttlMs);
        const freshUntilMs = ttlMs > 0 ? now + ttlMs : 0;
        const staleUntilMs = ttlMs > 0 ? freshUntilMs + entry.graceMs : 0;
        const encoded = await this.codec.encode(entry.value, freshUntilMs, staleUntilMs);
        return {
          ...entry,
          freshUntilMs,
          staleUntilMs,
          encoded,
          storeTtlMs: ttlMs > 0 ? staleUntilMs - now : 0,
        };
      }),
    );
    const epoch = this.bus?.epoch ?? 0;
    for (const entry of prepared) {
      this.#invalidateFlight(entry.key);
      this.putL1(
        entry.key,
        entry.value,
        entry.freshUntilMs,
        entry.staleUntilMs,
        entry.encoded.length,
        epoch,
      );
    }
    const result =
      prepared.length === 1 && prepared[0]
        ? await this.store.set(prepared[0].key, prepared[0].encoded, {
            ttlMs: prepared[0].storeTtlMs,
          })
        : await this.store.mset(
            prepared.map((entry) => ({
              key: entry.key,
              value: entry.encoded,
              ttlMs: entry.storeTtlMs,
            })),
          );
    this.counters.sets += prepared.length;
    if (result.source === 'memory') this.counters.fallbackWrites += prepared.length;
    else void this.publish({ keys: prepared.map((entry) => entry.key) });
  }

  /** Deletes keys from L1 and L2 and tells the other instances. */
  async delete(keys: readonly string[]): Promise<number> {
    for (const key of keys) {
      this.l1?.delete(key);
      this.#invalidateFlight(key);
    }
    const result = await this.store.delete(keys);
    this.counters.deletes += keys.length;
    if (result.source === 'memory') this.counters.fallbackWrites += keys.length;
    else void this.publish({ keys });
    return result.value;
  }

  /** Deletes every key under a full prefix from L1 and L2 and tells the other instances. */
  async clear(prefix: string): Promise<number> {
    this.#dropPrefix(prefix);
    const result = await this.store.deleteByPrefix(prefix);
    if (result.source === 'redis') void this.publish({ prefixes: [prefix] });
    return result.value;
  }

  /**
   * Tells the other instances, after the L2 write has completed (so that they cannot reload the
   * old value). Not awaited by writers: delivery to the others is asynchronous anyway, and a
   * lost message is covered by the subscription-loss handling. Never rejects.
   */
  async publish(invalidation: Invalidation): Promise<void> {
    if (!this.bus) return;
    if (await this.bus.publish(invalidation)) this.counters.invalidationsSent++;
  }

  putL1(
    key: string,
    value: unknown,
    freshUntilMs: number,
    staleUntilMs: number,
    storedBytes: number,
    epoch: number,
  ): void {
    const l1 = this.l1;
    if (l1 === undefined) return;
    const bus = this.bus;
    let ttlMs = 0;
    if (staleUntilMs !== 0) {
      ttlMs = staleUntilMs - Date.now();
      if (ttlMs <= 0) return;
    }
    if (bus) {
      // A read that started before a loss or a restoration may have missed an invalidation.
      if (bus.epoch !== epoch) return;
      if (!bus.active) {
        if (this.#capTtlMs === undefined) return;
        ttlMs = ttlMs === 0 ? this.#capTtlMs : Math.min(ttlMs, this.#capTtlMs);
      }
    }
    if (this.#l1MaxTtlMs > 0)
      ttlMs = ttlMs === 0 ? this.#l1MaxTtlMs : Math.min(ttlMs, this.#l1MaxTtlMs);
    l1.set(
      key,
      { value, freshUntilMs, staleUntilMs },
      {
        ttlMs,
        sizeBytes: storedBytes + key.length * 2 + L1_ENTRY_OVERHEAD_BYTES,
      },
    );
  }

  metrics(): CacheMetrics {
    return {
      ...this.counters,
      l1Entries: this.l1?.size ?? 0,
      l1Bytes: this.l1?.bytes ?? 0,
      degraded: this.store.degraded,
      subscribed: this.bus?.active ?? true,
    };
  }

  ready(): Promise<void> {
    return this.bus?.ready() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await this.bus?.close();
    this.l1?.dispose();
    if (this.#ownsStore) this.store.dispose();
    this.#events.clear();
  }

  #jittered(ttlMs: number): number {
    if (ttlMs <= 0 || this.#jitter === 0) return ttlMs;
    return Math.max(1, Math.round(ttlMs * (1 - this.#jitter * Math.random())));
  }

  #invalidateFlight(key: string): void {
    const flight = this.#flights.get(key);
    if (flight) {
      flight.invalidated = true;
      this.#flights.delete(key);
    }
  }

  #dropPrefix(prefix: string): void {
    this.l1?.deleteByPrefix(prefix);
    for (const key of [...this.#flights.keys()]) {
      if (key.startsWith(prefix)) this.#invalidateFlight(key);
    }
  }

  #flushL1(): void {
    if (!this.l1) return;
    this.l1.clear();
    for (const key of [...this.#flights.keys()]) this.#invalidateFlight(key);
    this.counters.l1Flushes++;
  }

  #onInvalidation(message: Invalidation): void {
    this.counters.invalidationsReceived++;
    for (const key of message.keys ?? []) {
      this.l1?.delete(key);
      this.#invalidateFlight(key);
    }
    for (const prefix of message.prefixes ?? []) this.#dropPrefix(prefix);
  }

  #onSubscriptionLost(): void {
    const l1 = this.l1;
    if (!l1) return;
    if (this.#capTtlMs === undefined) {
      this.#flushL1();
      return;
    }
    for (const key of l1.keys()) {
      const remaining = l1.ttlMs(key);
      if (remaining === -1 || remaining > this.#capTtlMs) l1.expire(key, this.#capTtlMs);
    }
  }

  #onRecovered(report: RecoveryReport): void {
    // Values this instance cached during the outage came from its own memory; other instances
    // may have written newer ones meanwhile. And they may hold keys this instance wrote.
    this.#flushL1();
    const keys = report.keys.filter((key) => key.startsWith(this.prefix));
    const prefixes = report.prefixes.filter((prefix) => prefix.startsWith(this.prefix));
    for (let start = 0; start < keys.length; start += 1_000) {
      void this.publish({ keys: keys.slice(start, start + 1_000) });
    }
    if (prefixes.length > 0) void this.publish({ prefixes });
    this.emit('recovered', report);
  }
}
