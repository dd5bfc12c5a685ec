import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { WrongTypeError } from '../errors/wrong-type-error.js';
import { estimateSize } from './estimate-size.js';

/** Options of a {@link MemoryStore}. Every bound is enforced on each write. */
export interface MemoryStoreOptions {
  /** Most entries held at once; the least recently used go first. Default 100_000. */
  maxEntries?: number;
  /**
   * Most (estimated) bytes held at once, keys and values included; the least recently used
   * entries go first. Default 64 MiB. See {@link estimateSize} for how a size is estimated.
   */
  maxBytes?: number;
  /** Largest single entry; a bigger one is refused (`set` returns false). Default `maxBytes / 4`. */
  maxEntryBytes?: number;
  /** TTL of an entry written without `ttlMs`, in ms. Default 0: no expiry. */
  defaultTtlMs?: number;
  /**
   * Period of the one sweep timer that drops expired entries nobody reads again, in ms. Expired
   * entries are also dropped lazily when touched. The timer is `unref`'d (it never keeps the
   * process alive) and released by `dispose()`. Default 30_000; 0 disables the sweep.
   */
  sweepIntervalMs?: number;
  /** Size of an entry in bytes. Default {@link estimateSize}. */
  sizeOf?: (value: unknown, key: string) => number;
  /**
   * Monotonic clock in ms used for TTLs (default `performance.now`). For tests; it must never
   * return 0.
   */
  clock?: () => number;
}

/** Options of {@link MemoryStore.set}. */
export interface MemorySetOptions {
  /** Time to live in ms. Omitted: the store's `defaultTtlMs`; 0: no expiry. */
  ttlMs?: number;
  /** Size of the entry when the caller already knows it (skips the estimate). */
  sizeBytes?: number;
}

/** Options of {@link MemoryStore.increment}. */
export interface MemoryIncrementOptions {
  /** Amount added (negative subtracts). Default 1. */
  by?: number;
  /** TTL in ms applied when the increment creates the key; an existing key keeps its TTL. */
  ttlMs?: number;
}

/** Counters and sizes of a {@link MemoryStore}, for metrics and tests. */
export interface MemoryStoreStats {
  entries: number;
  bytes: number;
  maxEntries: number;
  maxBytes: number;
  /** Entries dropped to make room (LRU), since creation. */
  evictions: number;
  /** Entries dropped because their TTL passed (lazily or by the sweep), since creation. */
  expirations: number;
  /** Writes refused because the entry alone was larger than `maxEntryBytes`. */
  rejections: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

function positiveInteger(value: number | undefined, fallback: number, argument: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError({
      argument,
      message: `must be a positive integer, got ${value}`,
    });
  }
  return value;
}

function checkTtl(ttlMs: number, argument: string): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new InvalidArgumentError({
      argument,
      message: `must be a finite number of ms >= 0 (0 = no expiry), got ${ttlMs}`,
    });
  }
  return Math.ceil(ttlMs);
}

/**
 * A bounded in-process key/value store: at most `maxEntries` entries and `maxBytes`
 * (estimated) bytes, least recently used evicted first, per-entry TTL. Expired entries are
 * dropped lazily when touched and by one periodic, `unref`'d sweep per store — never a timer
 * per key. Built on `lru-cache`. All operations are synchronous and O(1) except `sweep`,
 * `keys` and `deleteByPrefix` (O(n)).
 *
 * Use it directly as a local cache, or as the fallback of a `ResilientStore` (which is what the
 * rate limiter's in-memory algorithms receive). Gotchas: values are held by reference — mutating
 * an object after `set` mutates the stored value (and its size is not re-estimated); call
 * `dispose()` when done to release the sweep timer and the data.
 */
export class MemoryStore<V = unknown> {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly defaultTtlMs: number;
  readonly #lru: LRUCache<string, { value: V }>;
  readonly #sizeOf: (value: unknown, key: string) => number;
  #sweepTimer: NodeJS.Timeout | undefined;
  #evictions = 0;
  #expirations = 0;
  #rejections = 0;
  #disposed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = positiveInteger(
      options.maxEntries,
      DEFAULT_MAX_ENTRIES,
      'options.maxEntries',
    );
    this.maxBytes = positiveInteger(options.maxBytes, DEFAULT_MAX_BYTES, 'options.maxBytes');
    this.maxEntryBytes = positiveInteger(
      options.maxEntryBytes,
      Math.max(1, Math.floor(this.maxBytes / 4)),
      'options.maxEntryBytes',
    );
    if (this.maxEntryBytes > this.maxBytes) {
      throw new InvalidArgumentError({
        argument: 'options.maxEntryBytes',
        message: `must not exceed options.maxBytes (${this.maxBytes})`,
      });
    }
    this.defaultTtlMs = checkTtl(options.defaultTtlMs ?? 0, 'options.defaultTtlMs');
    this.#sizeOf = options.sizeOf ?? estimateSize;
    const clock = options.clock ?? (() => performance.now());
    // Values are boxed so that a stored `undefined` is distinguishable and lru-cache never sees
    // a promise-like value it would treat as a background fetch.
    this.#lru = new LRUCache<string, { value: V }>({
      max: this.maxEntries,
      maxSize: this.maxBytes,
      maxEntrySize: this.maxEntryBytes,
      // 0: read the clock on every staleness check; lru-cache otherwise caches it with a timer.
      ttlResolution: 0,
      perf: { now: clock },
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
        else if (reason === 'expire') this.#expirations++;
      },
    });
    const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    if (!Number.isFinite(sweepIntervalMs) || sweepIntervalMs < 0) {
      throw new InvalidArgumentError({
        argument: 'options.sweepIntervalMs',
        message: `must be a number of ms >= 0 (0 disables the sweep), got ${sweepIntervalMs}`,
      });
    }
    if (sweepIntervalMs > 0) {
      this.#sweepTimer = setInterval(() => this.sweep(), sweepIntervalMs);
      this.#sweepTimer.unref();
    }
  }

  /** Entries currently held (expired ones not yet swept included). */
  get size(): number {
    return this.#lru.size;
  }

  /** Estimated bytes currently held; never above `maxBytes`. */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /** The value of `key`, or `undefined` if absent or expired. Marks the entry recently used. */
  get(key: string): V | undefined {
    return this.#lru.get(key)?.value;
  }

  /** Like `get`, without marking the entry recently used. */
  peek(key: string): V | undefined {
    return this.#lru.peek(key)?.value;
  }

  /** True if `key` holds a live (unexpired) value. */
  has(key: string): boolean {
    return this.#lru.has(key);
  }

  /**
   * Stores `value` under `key`, evicting least recently used entries as needed. Returns false
   * (and removes any previous value of `key`) when the entry alone exceeds `maxEntryBytes`.
   */
  set(key: string, value: V, options?: MemorySetOptions): boolean {
    const ttlMs =
      options?.ttlMs === undefined ? this.defaultTtlMs : checkTtl(options.ttlMs, 'options.ttlMs');
    const size = options?.sizeBytes ?? this.#sizeOf(value, key);
    if (!(size <= this.maxEntryBytes)) {
      this.#rejections++;
      this.#lru.delete(key);
      return false;
    }
    this.#lru.set(key, { value }, { ttl: ttlMs, size: Math.max(1, Math.ceil(size)) });
    return true;
  }

  /** Removes `key`; true if it held a live value. */
  delete(key: string): boolean {
    const had = this.#lru.has(key);
    this.#lru.delete(key);
    return had;
  }

  /**
   * Adds `by` (default 1) to the number at `key` and returns the result, like Redis `INCRBY`:
   * a missing key counts as 0 and is created with `ttlMs`; an existing key keeps its TTL. A
   * numeric string counts as its number. Throws {@link WrongTypeError} for any other value.
   */
  increment(key: string, options?: MemoryIncrementOptions): number {
    const by = options?.by ?? 1;
    if (!Number.isFinite(by)) {
      throw new InvalidArgumentError({
        argument: 'options.by',
        message: `must be a finite number, got ${by}`,
      });
    }
    const current = this.#lru.get(key);
    if (current === undefined) {
      const ttlMs =
        options?.ttlMs === undefined ? this.defaultTtlMs : checkTtl(options.ttlMs, 'options.ttlMs');
      this.#lru.set(key, { value: by as V }, { ttl: ttlMs, size: this.#sizeOf(by, key) });
      return by;
    }
    const number = toNumber(current.value);
    if (number === undefined) {
      throw new WrongTypeError({
        key,
        message: 'increment: the value held is not a number (or a numeric string)',
      });
    }
    const next = number + by;
    // A new box so lru-cache re-counts the size; noUpdateTTL keeps the remaining TTL.
    this.#lru.set(key, { value: next as V }, { noUpdateTTL: true, size: this.#sizeOf(next, key) });
    return next;
  }

  /**
   * Remaining TTL of `key` in ms, with Redis `PTTL` conventions: -2 if the key is absent or
   * expired, -1 if it has no expiry.
   */
  ttlMs(key: string): number {
    if (!this.#lru.has(key)) return -2;
    const remaining = this.#lru.getRemainingTTL(key);
    if (remaining === Number.POSITIVE_INFINITY) return -1;
    return Math.max(1, Math.ceil(remaining));
  }

  /** Sets a new TTL on an existing key (0: no expiry); false if the key is absent. */
  expire(key: string, ttlMs: number): boolean {
    const ttl = checkTtl(ttlMs, 'ttlMs');
    const info = this.#lru.info(key);
    if (info === undefined || !this.#lru.has(key)) return false;
    const options: { ttl: number; size?: number } = { ttl };
    if (info.size !== undefined) options.size = info.size;
    this.#lru.set(key, info.value, options);
    return true;
  }

  /** Live keys, most recently used first. Snapshot: safe to modify the store while iterating. */
  keys(): string[] {
    return [...this.#lru.keys()];
  }

  /** Removes every live key starting with `prefix`; returns how many. O(n). */
  deleteByPrefix(prefix: string): number {
    let deleted = 0;
    for (const key of this.keys()) {
      if (key.startsWith(prefix)) {
        this.#lru.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  /** Drops every expired entry now; returns how many. What the periodic sweep runs. */
  sweep(): number {
    const before = this.#expirations;
    this.#lru.purgeStale();
    return this.#expirations - before;
  }

  /** Removes every entry (counters are kept). */
  clear(): void {
    this.#lru.clear();
  }

  /** Counters and sizes, for metrics and tests. */
  stats(): MemoryStoreStats {
    return {
      entries: this.#lru.size,
      bytes: this.#lru.calculatedSize,
      maxEntries: this.maxEntries,
      maxBytes: this.maxBytes,
      evictions: this.#evictions,
      expirations: this.#expirations,
      rejections: this.#rejections,
    };
  }

  /** Releases the sweep timer and the data. Idempotent; the store stays usable, unswept. */
  dispose(): void {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    if (!this.#disposed) {
      this.#disposed = true;
      this.#lru.clear();
    }
  }
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}
