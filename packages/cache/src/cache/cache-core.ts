import { ConfigError, TypedEmitter } from '@redgrid/core';
import { type RecoveryReport, ResilientStore } from '@redgrid/fallback';
import { ValueCodec } from '../codec/value-codec.js';
import {
  type Invalidation,
  InvalidationBus,
  type PublisherClient,
  type SubscriberClient,
} from '../invalidation/invalidation-bus.js';
import { L1Cache, type L1Entry } from '../l1/l1-cache.js';
import { DistributedSingleFlight } from '../single-flight/distributed-single-flight.js';
import { L2ReadFlights, type L2Value } from '../single-flight/l2-read-flights.js';
import { LoadFlights, type WriteEntry } from '../single-flight/load-flights.js';
import type { LockClient } from '../single-flight/redis-lock.js';
import type { CacheEvents } from './cache-events.js';
import {
  type CacheCounters,
  type CacheMetrics,
  createCounters,
  ReadRecorder,
} from './cache-metrics.js';
import type { CacheOptions } from './cache-options.js';
import type { CacheResult } from './cache-result.js';
import { durationMs } from './duration.js';
import { isUsable, staleCandidate } from './freshness.js';
import { validateCacheOptions } from './validate-cache-options.js';

/**
 * The state a cache and all its namespaces share, and the paths that join the layers: L1
 * (`l1/`), the resilient L2 store, the codec, the invalidation bus (`invalidation/`), the reads
 * and loads in flight (`single-flight/`), and the counters. Internal; `Cache` is the API.
 */
export class CacheCore {
  readonly prefix: string;
  readonly store: ResilientStore;
  readonly codec: ValueCodec;
  readonly l1: L1Cache | undefined;
  readonly bus: InvalidationBus | undefined;
  readonly ttlMs: number;
  readonly graceMs: number;
  readonly counters: CacheCounters = createCounters();
  /** Counts and publishes each read (`redgrid:cache`, labelled with the prefix). */
  readonly reads: ReadRecorder;
  readonly #jitter: number;
  readonly #ownsStore: boolean;
  readonly #reads: L2ReadFlights;
  readonly #loads: LoadFlights;
  readonly #distributed: DistributedSingleFlight | undefined;
  readonly #events = new TypedEmitter<CacheEvents>({ name: 'a cache' });
  readonly #unsubscribe: Array<() => void> = [];
  #closed = false;

  constructor(options: CacheOptions) {
    const issues = validateCacheOptions(options);
    if (issues.length > 0) throw new ConfigError(issues);
    this.prefix = options.prefix ?? 'cache:';
    this.reads = new ReadRecorder(this.counters, this.prefix);
    this.ttlMs = durationMs(options.ttlMs, options.ttlSeconds, 300_000, 'ttlMs', 'ttlSeconds');
    this.graceMs = durationMs(options.graceMs, options.graceSeconds, 0, 'graceMs', 'graceSeconds');
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
        observedAs: { component: 'cache', name: this.prefix },
        memory: {
          maxBytes: 32 * 1024 * 1024,
          maxEntries: 50_000,
          ...options.fallback,
        },
      });
      this.#ownsStore = true;
    }
    const l1 = options.l1 === undefined ? {} : options.l1;
    const invalidation = options.invalidation === undefined ? {} : options.invalidation;
    const lost = invalidation === false ? 'flush' : (invalidation.onSubscriptionLost ?? 'flush');
    this.l1 =
      l1 === false
        ? undefined
        : new L1Cache({
            maxBytes: l1.maxBytes ?? 32 * 1024 * 1024,
            maxEntries: l1.maxEntries ?? 50_000,
            maxTtlMs: durationMs(l1.maxTtlMs, l1.maxTtlSeconds, 0, 'maxTtlMs', 'maxTtlSeconds'),
            capTtlMs: lost === 'flush' ? undefined : lost.capTtlMs,
            subscription: () => this.bus,
          });
    const onError = (error: unknown) => this.emit('error', error);
    this.#reads = new L2ReadFlights({
      store: this.store,
      codec: this.codec,
      counters: this.counters,
      l1: this.l1,
      epoch: () => this.bus?.epoch ?? 0,
      onError,
    });
    const distributed = options.distributedSingleFlight;
    if (distributed === true || typeof distributed === 'object') {
      const settings = distributed === true ? {} : distributed;
      const lockTtlMs = settings.lockTtlMs ?? 5_000;
      this.#distributed = new DistributedSingleFlight({
        client: options.connection.client as unknown as LockClient,
        prefix: this.prefix,
        lockTtlMs,
        waitMs: settings.waitMs ?? 2 * lockTtlMs,
        maxPollIntervalMs: settings.maxPollIntervalMs ?? 200,
        degraded: () => this.store.degraded,
      });
    }
    this.#loads = new LoadFlights({
      store: this.store,
      counters: this.counters,
      reads: this.reads,
      l1: this.l1,
      readL2: (key) => this.#reads.read(key),
      write: (entries) => this.write(entries),
      onError,
      distributed: this.#distributed,
    });
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
        onError,
      });
      this.bus.start();
    }
    this.#unsubscribe.push(
      this.store.on('degraded', (info) => this.emit('degraded', info)),
      this.store.on('recovered', (report) => this.#onRecovered(report)),
      this.store.on('error', onError),
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
    return this.l1?.fresh(key);
  }

  /** Reads `key` past a missed L1: L2 (single-flight), then a stale value if Redis is down. */
  async read(key: string): Promise<CacheResult<unknown>> {
    const l1Entry = this.l1?.get(key);
    const now = Date.now();
    if (l1Entry && isUsable(l1Entry.freshUntilMs, l1Entry.staleUntilMs, now) === 'fresh') {
      this.reads.l1();
      return {
        value: l1Entry.value,
        found: true,
        source: 'l1',
        stale: false,
        degraded: false,
      };
    }
    const l2 = await this.#reads.read(key);
    const after = Date.now();
    if (l2 && isUsable(l2.freshUntilMs, l2.staleUntilMs, after) === 'fresh') {
      this.reads.l2(l2.source);
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
      const stale = staleCandidate(l2, l1Entry, Date.now());
      if (stale) {
        this.reads.stale();
        return {
          value: stale.value,
          found: true,
          source: stale.source,
          stale: true,
          degraded,
        };
      }
    }
    this.reads.miss();
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
    const l2 = await this.#reads.read(key);
    if (l2 !== undefined && (l2.freshUntilMs === 0 || Date.now() < l2.freshUntilMs)) {
      this.reads.l2(l2.source);
      return l2.value;
    }
    return this.#missOrStale(l2, undefined).value;
  }

  /** Reads many keys past L1 with one MGET per slot, joining reads already in flight. */
  readManyL2(keys: readonly string[]): Promise<Array<L2Value | undefined>> {
    return this.#reads.readMany(keys);
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
    return this.#loads.getOrLoad(key, loader, ttlMs, graceMs);
  }

  /** Encodes and writes entries to L1 and L2 (one script per slot), then tells the other instances. */
  async write(entries: ReadonlyArray<WriteEntry>): Promise<void> {
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
      this.#reads.invalidate(entry.key);
      this.l1?.put(
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
      this.#reads.invalidate(key);
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
    this.#loads.close();
    await this.#distributed?.close();
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

  #dropPrefix(prefix: string): void {
    this.l1?.deleteByPrefix(prefix);
    this.#reads.invalidatePrefix(prefix);
  }

  #flushL1(): void {
    if (!this.l1) return;
    this.l1.clear();
    this.#reads.invalidateAll();
    this.counters.l1Flushes++;
  }

  #onInvalidation(message: Invalidation): void {
    this.counters.invalidationsReceived++;
    for (const key of message.keys ?? []) {
      this.l1?.delete(key);
      this.#reads.invalidate(key);
    }
    for (const prefix of message.prefixes ?? []) this.#dropPrefix(prefix);
  }

  #onSubscriptionLost(): void {
    if (!this.l1) return;
    if (!this.l1.capRemaining()) this.#flushL1();
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
