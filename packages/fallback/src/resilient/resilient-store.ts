import type { RedisConnection } from '@redgrid/connection';
import { CircuitOpenError, CrossSlotError, keySlot, TypedEmitter } from '@redgrid/core';
import {
  type DegradationSnapshot,
  DegradationTracker,
} from '../degradation/degradation-tracker.js';
import { isStoreFailure } from '../degradation/store-failure.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { WrongTypeError } from '../errors/wrong-type-error.js';
import { ENTRY_OVERHEAD_BYTES } from '../memory/estimate-size.js';
import { MemoryStore, type MemoryStoreOptions } from '../memory/memory-store.js';
import {
  DELETE_VERSIONED_LUA,
  INCREMENT_LUA,
  MSET_LUA,
  MSET_VERSIONED_LUA,
  REPLAY_LUA,
} from '../script/builtin-scripts.js';
import { evaluateScript } from '../script/evaluate-script.js';
import {
  type ScriptArgument,
  type ScriptReply,
  type StoreScript,
  scriptSha1,
} from '../script/store-script.js';
import { asCommandClient, type CommandClient, groupBySlot, isCluster } from './command-client.js';
import { deleteByPrefix } from './delete-by-prefix.js';
import type { StoreResult, StoreSource } from './store-result.js';
import { versionKey } from './version-key.js';

/**
 * What happens to the writes made in memory during an outage once Redis answers again.
 * - `discard`: they are dropped; Redis keeps what it had. Right for rate-limit counters and any
 *   data that is only meaningful short-term.
 * - `invalidate`: every key written (or deleted) in memory is deleted from Redis, so nobody
 *   reads a value older than one written during the outage; the next read reloads it. Right for
 *   caches (what `@redgrid/cache` uses).
 * - `last-write-wins`: each key's last write in memory is replayed to Redis unless Redis holds a
 *   newer one, compared by a write version (wall-clock ms) kept beside every key written
 *   through this store. See the README for its costs and limits.
 */
export type RecoveryPolicy = 'discard' | 'invalidate' | 'last-write-wins';

/**
 * What the store needs of a `RedisConnection` (from `@redgrid/connection`): its guarded
 * `client`, and — optional, but every `RedisConnection` has them — its `breaker` (while it is
 * open, calls go straight to memory without building an error each) and `on` (the store turns
 * degraded when the breaker opens and recovers when it closes, even without traffic).
 */
export type ResilientStoreConnection = Pick<RedisConnection, 'client'> &
  Partial<Pick<RedisConnection, 'breaker' | 'on'>>;

/** Options of a {@link ResilientStore}. */
export interface ResilientStoreOptions {
  /** The connection whose breaker and deadline decide when Redis is unusable. */
  connection: ResilientStoreConnection;
  /**
   * The fallback: options for the `MemoryStore` the store creates (and disposes), or a store you
   * own. The ResilientStore clears it on each recovery, so do not share it with other data.
   * Default: a `MemoryStore` with its defaults (100 000 entries, 64 MiB).
   */
  memory?: MemoryStore | MemoryStoreOptions;
  /** Default `discard`. */
  recovery?: RecoveryPolicy;
  /**
   * Most keys remembered as written during one outage (for `invalidate` and `last-write-wins`);
   * writes past it are counted as `dropped` in the recovery report. Default: the memory store's
   * `maxEntries`.
   */
  maxJournalEntries?: number;
  /**
   * `last-write-wins` only: how long a delete's version outlives the key, in ms, so that an older
   * write replayed later does not resurrect it. Outages longer than this may resurrect deleted
   * keys. Default 3 600 000 (1 h).
   */
  tombstoneTtlMs?: number;
  /** Wall clock in ms for write versions and for scripts' `nowMs`. Default `Date.now`. */
  clock?: () => number;
  /** Decides which errors mean "Redis unusable: answer from memory". Default {@link isStoreFailure}. */
  isUnavailable?: (error: unknown) => boolean;
}

/** Options of {@link ResilientStore.set} and entries of {@link ResilientStore.mset}. */
export interface StoreSetOptions {
  /** Time to live in ms; omitted or 0: no expiry. */
  ttlMs?: number;
}

/** One entry of {@link ResilientStore.mset}. */
export interface StoreEntry {
  key: string;
  value: string | Buffer;
  /** Time to live in ms; omitted or 0: no expiry. */
  ttlMs?: number;
}

/** Options of {@link ResilientStore.increment}. */
export interface StoreIncrementOptions {
  /** Integer added (negative subtracts). Default 1. */
  by?: number;
  /** TTL in ms set when the increment creates the key; an existing key keeps its TTL. */
  ttlMs?: number;
}

/** What a recovery did, as emitted with the `recovered` event. */
export interface RecoveryReport {
  policy: RecoveryPolicy;
  /** From the first failed call to the first successful one, in ms. */
  outageMs: number;
  /** Writes replayed to Redis (`last-write-wins`). */
  replayed: number;
  /** Writes not replayed because Redis held a newer version (`last-write-wins`). */
  skipped: number;
  /** Keys deleted from Redis (`invalidate`), plus prefixes cleared (`invalidate`, `last-write-wins`). */
  invalidated: number;
  /** Writes lost: past `maxJournalEntries`, or evicted from memory before the replay. */
  dropped: number;
  /** Replays that failed with an error other than an outage (reported through `error`). */
  failed: number;
  /** Time the replay took, in ms. */
  durationMs: number;
  /**
   * Keys written or deleted in memory during the outage (empty under `discard`): a cache uses
   * them to tell other instances to drop these keys from their L1.
   */
  keys: readonly string[];
  /** Prefixes cleared in memory during the outage (empty under `discard`). */
  prefixes: readonly string[];
}

/** Listener signatures of {@link ResilientStore.on}. */
export interface ResilientStoreEvents {
  /** A call found Redis unusable; calls are answered from memory until one succeeds. */
  degraded: (info: { error: unknown }) => void;
  /** A call succeeded again and the recovery policy has been applied. */
  recovered: (report: RecoveryReport) => void;
  /** Something failed in the background (a replay); the calls themselves were not affected. */
  error: (error: unknown) => void;
}

/** Counters of a {@link ResilientStore}. */
export interface ResilientStoreStats {
  degraded: boolean;
  /** Operations answered by Redis. */
  redis: number;
  /** Operations answered from memory. */
  memory: number;
  /** Times the store became degraded. */
  outages: number;
  /** Keys currently remembered as written during the outage. */
  journalSize: number;
  /** The last recovery, if any. */
  lastRecovery?: RecoveryReport;
}

interface JournalEntry {
  op: 'set' | 'delete';
  atMs: number;
}

const REPLAY_CONCURRENCY = 32;
const DELETE_BATCH = 500;
const MAX_PREFIX_CLEARS = 1_000;

function checkTtl(ttlMs: number | undefined, argument: string): number {
  if (ttlMs === undefined) return 0;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new InvalidArgumentError({
      argument,
      message: `must be a finite number of ms >= 0 (0 = no expiry), got ${ttlMs}`,
    });
  }
  return Math.ceil(ttlMs);
}

function sizeOfStored(key: string, value: string | Buffer): number {
  return (
    ENTRY_OVERHEAD_BYTES +
    key.length * 2 +
    (typeof value === 'string' ? 16 + value.length * 2 : 64 + value.length)
  );
}

/**
 * Redis with an in-memory fallback: the key/value operations the cache and the rate limiter
 * need (`get`, `set` with TTL, `delete`, `increment` with expiry, `ttlMs`, `mget`/`mset`,
 * `deleteByPrefix`, and `runScript` for atomic Lua algorithms), each answered by Redis while it
 * is usable and by a bounded `MemoryStore` while it is not (breaker open, deadline passed,
 * connection down). Every result says where it came from (`source`, `degraded`). The store
 * emits `degraded` when it starts answering from memory and `recovered` once Redis answers
 * again and the declared {@link RecoveryPolicy} has been applied.
 *
 * It never waits longer than the connection's command deadline and adds no timer: the
 * connection's circuit breaker decides when Redis is tried again (one half-open probe), and the
 * first call that succeeds ends the outage. Reply errors (`WRONGTYPE`, a Lua error, a cross-slot
 * key set) are not outages: they are thrown, never hidden. Multi-key operations are split per
 * cluster slot; `deleteByPrefix` scans every cluster master.
 */
export class ResilientStore {
  /** The fallback store (cleared at each recovery). */
  readonly memory: MemoryStore;
  /** The declared recovery policy. */
  readonly recovery: RecoveryPolicy;
  readonly #client: CommandClient;
  readonly #breaker: RedisConnection['breaker'] | undefined;
  #unsubscribeBreaker: (() => void) | undefined;
  readonly #cluster: boolean;
  readonly #ownsMemory: boolean;
  readonly #clock: () => number;
  readonly #isUnavailable: (error: unknown) => boolean;
  readonly #maxJournalEntries: number;
  readonly #tombstoneTtlMs: number;
  readonly #versioned: boolean;
  readonly #events = new TypedEmitter<ResilientStoreEvents>({ name: 'a resilient store' });
  readonly #degradation: DegradationTracker;
  #recovering = false;
  #journal = new Map<string, JournalEntry>();
  #clearedPrefixes: Array<{ prefix: string; atMs: number }> = [];
  #journalDropped = 0;
  #redisCount = 0;
  #memoryCount = 0;
  #lastRecovery: RecoveryReport | undefined;

  constructor(options: ResilientStoreOptions) {
    this.#client = asCommandClient(options.connection.client);
    this.#cluster = isCluster(this.#client);
    const recovery = options.recovery ?? 'discard';
    if (recovery !== 'discard' && recovery !== 'invalidate' && recovery !== 'last-write-wins') {
      throw new InvalidArgumentError({
        argument: 'options.recovery',
        message: `must be 'discard', 'invalidate' or 'last-write-wins', got ${String(recovery)}`,
      });
    }
    this.recovery = recovery;
    this.#tombstoneTtlMs = checkTtl(options.tombstoneTtlMs ?? 3_600_000, 'options.tombstoneTtlMs');
    if (options.memory instanceof MemoryStore) {
      this.memory = options.memory;
      this.#ownsMemory = false;
    } else {
      this.memory = new MemoryStore(options.memory);
      this.#ownsMemory = true;
    }
    this.#versioned = recovery === 'last-write-wins';
    this.#clock = options.clock ?? Date.now;
    this.#isUnavailable = options.isUnavailable ?? isStoreFailure;
    this.#degradation = new DegradationTracker({ clock: this.#clock, name: 'a resilient store' });
    const maxJournalEntries = options.maxJournalEntries ?? this.memory.maxEntries;
    if (!Number.isSafeInteger(maxJournalEntries) || maxJournalEntries < 0) {
      if (this.#ownsMemory) this.memory.dispose();
      throw new InvalidArgumentError({
        argument: 'options.maxJournalEntries',
        message: `must be an integer >= 0, got ${maxJournalEntries}`,
      });
    }
    this.#maxJournalEntries = maxJournalEntries;
    this.#breaker = options.connection.breaker;
    this.#unsubscribeBreaker = options.connection.on?.('breaker', (change) => {
      if (change.to === 'open') {
        this.#enterDegraded(
          new CircuitOpenError({
            retryAfterMs: change.openForMs ?? 0,
            breakerName: this.#breaker?.name,
          }),
        );
      } else if (change.to === 'closed' && this.#degradation.degraded) {
        this.#leaveDegraded();
      }
    });
  }

  /** True while calls are answered from memory (from a failed call to the next successful one). */
  get degraded(): boolean {
    return this.#degradation.degraded;
  }

  /** True for an ioredis Cluster client: multi-key operations are split per slot. */
  get isCluster(): boolean {
    return this.#cluster;
  }

  /**
   * Subscribes to `degraded`, `recovered` or `error`; returns the unsubscribe function.
   * Listeners run synchronously; one that throws never changes the result of the call that
   * emitted the event (see `TypedEmitter` in @redgrid/core).
   */
  on<E extends keyof ResilientStoreEvents>(
    event: E,
    listener: ResilientStoreEvents[E],
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** The string at `key`, or null. */
  async get(key: string): Promise<StoreResult<string | null>> {
    // The two single-key reads are the hottest path (every cache L2 read): written out
    // without the closures of #run.
    if (!(this.#degradation.degraded && this.#breaker?.state === 'open')) {
      let value: string | null;
      try {
        value = await this.#client.get(key);
      } catch (error) {
        if (!this.#isUnavailable(error)) throw error;
        this.#enterDegraded(error);
        return this.#memoryRead(key, false);
      }
      this.#redisCount++;
      if (this.#degradation.degraded) this.#leaveDegraded();
      return { value, source: 'redis', degraded: false };
    }
    return this.#memoryRead(key, false);
  }

  /** The bytes at `key`, or null. What a cache holding encoded values reads. */
  async getBuffer(key: string): Promise<StoreResult<Buffer | null>> {
    if (!(this.#degradation.degraded && this.#breaker?.state === 'open')) {
      let value: Buffer | null;
      try {
        value = await this.#client.getBuffer(key);
      } catch (error) {
        if (!this.#isUnavailable(error)) throw error;
        this.#enterDegraded(error);
        return this.#memoryRead(key, true);
      }
      this.#redisCount++;
      if (this.#degradation.degraded) this.#leaveDegraded();
      return { value, source: 'redis', degraded: false };
    }
    return this.#memoryRead(key, true);
  }

  #memoryRead(key: string, asBuffer: true): StoreResult<Buffer | null>;
  #memoryRead(key: string, asBuffer: false): StoreResult<string | null>;
  #memoryRead(key: string, asBuffer: boolean): StoreResult<Buffer | string | null> {
    this.#memoryCount++;
    const held = this.memory.get(key);
    let value: Buffer | string | null = null;
    if (held !== undefined)
      value = asBuffer ? this.#asBuffer(key, held) : this.#asString(key, held);
    return { value, source: 'memory', degraded: true };
  }

  /** Strings at `keys`, in order (null where absent). Split per slot on a cluster. */
  mget(keys: readonly string[]): Promise<StoreResult<Array<string | null>>> {
    return this.#multiGet(
      keys,
      (group) => this.#client.mget(...group),
      (key, value) => this.#asString(key, value),
    );
  }

  /** Bytes at `keys`, in order (null where absent). Split per slot on a cluster. */
  mgetBuffer(keys: readonly string[]): Promise<StoreResult<Array<Buffer | null>>> {
    return this.#multiGet(
      keys,
      (group) => this.#client.mgetBuffer(...group),
      (key, value) => this.#asBuffer(key, value),
    );
  }

  /** Stores `value` at `key` with an optional TTL. */
  async set(
    key: string,
    value: string | Buffer,
    options?: StoreSetOptions,
  ): Promise<StoreResult<true>> {
    const ttlMs = checkTtl(options?.ttlMs, 'options.ttlMs');
    const result = await this.#run(
      () => {
        if (this.#versioned) return this.#msetScript([{ key, value, ttlMs }]);
        return ttlMs > 0 ? this.#client.set(key, value, 'PX', ttlMs) : this.#client.set(key, value);
      },
      () => {
        this.memory.set(key, value, {
          ttlMs,
          sizeBytes: sizeOfStored(key, value),
        });
        this.#remember(key, 'set');
      },
    );
    return { value: true, source: result.source, degraded: result.degraded };
  }

  /**
   * Stores every entry (each with its own TTL). On Redis each slot's entries are written by
   * one atomic script; across slots the writes are independent.
   */
  async mset(entries: readonly StoreEntry[]): Promise<StoreResult<true>> {
    const checked = entries.map((entry, index) => ({
      key: entry.key,
      value: entry.value,
      ttlMs: checkTtl(entry.ttlMs, `entries[${index}].ttlMs`),
    }));
    if (checked.length === 0) return { value: true, source: 'redis', degraded: false };
    const groups = groupBySlot(
      checked.map((entry) => entry.key),
      this.#cluster,
    );
    let source = 'redis' as StoreSource;
    await Promise.all(
      groups.map(async (group) => {
        const part = group.map((index) => checked[index]).filter((entry) => entry !== undefined);
        const result = await this.#run(
          () => this.#msetScript(part),
          () => {
            for (const entry of part) {
              this.memory.set(entry.key, entry.value, {
                ttlMs: entry.ttlMs,
                sizeBytes: sizeOfStored(entry.key, entry.value),
              });
              this.#remember(entry.key, 'set');
            }
          },
        );
        if (result.source === 'memory') source = 'memory';
      }),
    );
    return { value: true, source, degraded: source === 'memory' };
  }

  /** Deletes `keys` (one or many); the value is how many existed. Split per slot on a cluster. */
  async delete(keys: string | readonly string[]): Promise<StoreResult<number>> {
    const list = typeof keys === 'string' ? [keys] : keys;
    if (list.length === 0) return { value: 0, source: 'redis', degraded: false };
    const groups = groupBySlot(list, this.#cluster);
    let source = 'redis' as StoreSource;
    const counts = await Promise.all(
      groups.map(async (group) => {
        const part = group.map((index) => list[index] ?? '');
        const result = await this.#run(
          () => {
            if (!this.#versioned) return this.#client.del(...part);
            const scriptKeys = part.flatMap((key) => [key, versionKey(key)]);
            return this.#evaluate(
              DELETE_VERSIONED_LUA,
              scriptSha1(DELETE_VERSIONED_LUA),
              scriptKeys,
              [this.#clock(), this.#tombstoneTtlMs],
            ).then(Number);
          },
          () => {
            let deleted = 0;
            for (const key of part) {
              if (this.memory.delete(key)) deleted++;
              this.#remember(key, 'delete');
            }
            return deleted;
          },
        );
        if (result.source === 'memory') source = 'memory';
        return result.value;
      }),
    );
    return {
      value: counts.reduce((sum, count) => sum + count, 0),
      source,
      degraded: source === 'memory',
    };
  }

  /**
   * Adds `by` (an integer, default 1) to the integer at `key` and returns the new value, like
   * `INCRBY`; `ttlMs` is applied only when the increment creates the key. In memory the count
   * restarts from what memory holds (usually 0) — other instances' counts are not seen.
   */
  increment(key: string, options?: StoreIncrementOptions): Promise<StoreResult<number>> {
    const by = options?.by ?? 1;
    if (!Number.isSafeInteger(by)) {
      throw new InvalidArgumentError({
        argument: 'options.by',
        message: `must be a safe integer, got ${by}`,
      });
    }
    const ttlMs = checkTtl(options?.ttlMs, 'options.ttlMs');
    return this.#run(
      () => {
        const sha = scriptSha1(INCREMENT_LUA);
        const reply = this.#versioned
          ? this.#evaluate(INCREMENT_LUA, sha, [key, versionKey(key)], [by, ttlMs, this.#clock()])
          : this.#evaluate(INCREMENT_LUA, sha, [key], [by, ttlMs]);
        return reply.then(Number);
      },
      () => {
        const value = this.memory.increment(key, { by, ttlMs });
        this.#remember(key, 'set');
        return value;
      },
    );
  }

  /** Remaining TTL of `key` in ms (`PTTL`): -2 if absent, -1 if it has no expiry. */
  ttlMs(key: string): Promise<StoreResult<number>> {
    return this.#run(
      () => this.#client.pttl(key),
      () => this.memory.ttlMs(key),
    );
  }

  /** Sets the TTL of an existing key (0 removes it); the value is whether the key existed. */
  expire(key: string, ttlMs: number): Promise<StoreResult<boolean>> {
    const ttl = checkTtl(ttlMs, 'ttlMs');
    return this.#run(
      async () => {
        if (ttl === 0) {
          const persisted = await this.#client.persist(key);
          return persisted === 1 || (await this.#client.pttl(key)) !== -2;
        }
        return (await this.#client.pexpire(key, ttl)) === 1;
      },
      () => this.memory.expire(key, ttl),
    );
  }

  /**
   * Deletes every key starting with `prefix`: on Redis by `SCAN` + `UNLINK` on every master of a
   * cluster (or the one server), batch by batch — not atomic: keys written meanwhile may
   * survive. Gotcha: an empty prefix deletes every key of the database.
   */
  deleteByPrefix(prefix: string): Promise<StoreResult<number>> {
    return this.#run(
      () => this.#redisDeleteByPrefix(prefix),
      () => {
        const deleted = this.memory.deleteByPrefix(prefix);
        if (this.recovery !== 'discard') {
          for (const key of [...this.#journal.keys()]) {
            if (key.startsWith(prefix)) this.#journal.delete(key);
          }
          if (this.#clearedPrefixes.length < MAX_PREFIX_CLEARS) {
            this.#clearedPrefixes.push({ prefix, atMs: this.#clock() });
          } else {
            this.#journalDropped++;
          }
        }
        return deleted;
      },
    );
  }

  /**
   * Runs an atomic algorithm: its Lua on Redis (`EVALSHA`, reloaded with `EVAL` on `NOSCRIPT` by
   * the node that answered), or its `memory` function on the fallback store while Redis is
   * unusable. `keys.length` must equal `script.numberOfKeys`, and the keys must share one
   * cluster slot (checked on every topology, so code that works on one server works on a
   * cluster). Memory-side state is not replayed on recovery, whatever the policy.
   */
  runScript<TResult>(
    script: StoreScript<TResult>,
    keys: readonly string[],
    args: readonly ScriptArgument[] = [],
  ): Promise<StoreResult<TResult>> {
    if (keys.length !== script.numberOfKeys) {
      throw new InvalidArgumentError({
        argument: 'keys',
        message: `script "${script.name}" takes ${script.numberOfKeys} keys, got ${keys.length}`,
      });
    }
    if (keys.length > 1) {
      const slot = keySlot(keys[0] ?? '');
      if (keys.some((key) => keySlot(key) !== slot)) throw new CrossSlotError({ keys });
    }
    const sha =
      'sha1' in script && typeof script.sha1 === 'string' ? script.sha1 : scriptSha1(script.lua);
    return this.#run(
      async () =>
        script.parseReply((await this.#evaluate(script.lua, sha, keys, args)) as ScriptReply),
      () => script.memory(this.memory, keys, args, this.#clock()),
    );
  }

  /** When the current outage started, how many there were, the last recovery: for health. */
  degradation(): DegradationSnapshot {
    return this.#degradation.snapshot();
  }

  /** Counters and state, for metrics and health checks. */
  stats(): ResilientStoreStats {
    const stats: ResilientStoreStats = {
      degraded: this.#degradation.degraded,
      redis: this.#redisCount,
      memory: this.#memoryCount,
      outages: this.#degradation.outages,
      journalSize: this.#journal.size,
    };
    if (this.#lastRecovery) stats.lastRecovery = this.#lastRecovery;
    return stats;
  }

  /**
   * Releases the memory store (if this store created it) and the listeners. Does not close the
   * connection, which belongs to the caller.
   */
  dispose(): void {
    this.#unsubscribeBreaker?.();
    this.#unsubscribeBreaker = undefined;
    if (this.#ownsMemory) this.memory.dispose();
    this.#journal.clear();
    this.#events.clear();
    this.#degradation.dispose();
  }

  // --- routing ---------------------------------------------------------------------------

  async #run<T>(redis: () => Promise<T>, memory: () => T): Promise<StoreResult<T>> {
    if (this.#degradation.degraded && this.#breaker?.state === 'open') {
      // Known outage: skip the call (the breaker would refuse it anyway) and its error object.
      this.#memoryCount++;
      return { value: memory(), source: 'memory', degraded: true };
    }
    let value: T;
    try {
      value = await redis();
    } catch (error) {
      if (!this.#isUnavailable(error)) throw error;
      this.#enterDegraded(error);
      this.#memoryCount++;
      return { value: memory(), source: 'memory', degraded: true };
    }
    this.#redisCount++;
    if (this.#degradation.degraded) this.#leaveDegraded();
    return { value, source: 'redis', degraded: false };
  }

  async #multiGet<T>(
    keys: readonly string[],
    fetch: (keys: string[]) => Promise<Array<T | null>>,
    convert: (key: string, value: unknown) => T,
  ): Promise<StoreResult<Array<T | null>>> {
    if (keys.length === 0) return { value: [], source: 'redis', degraded: false };
    const groups = groupBySlot(keys, this.#cluster);
    const values: Array<T | null> = new Array(keys.length).fill(null);
    let source = 'redis' as StoreSource;
    await Promise.all(
      groups.map(async (group) => {
        const part = group.map((index) => keys[index] ?? '');
        const result = await this.#run(
          () => fetch(part),
          () =>
            part.map((key) => {
              const value = this.memory.get(key);
              return value === undefined ? null : convert(key, value);
            }),
        );
        if (result.source === 'memory') source = 'memory';
        for (let position = 0; position < group.length; position++) {
          values[group[position] ?? 0] = result.value[position] ?? null;
        }
      }),
    );
    return { value: values, source, degraded: source === 'memory' };
  }

  #enterDegraded(error: unknown): void {
    if (this.#degradation.fail(error)) this.#emit('degraded', { error });
  }

  #leaveDegraded(): void {
    const ended = this.#degradation.recover();
    if (ended === undefined || this.#recovering) return;
    this.#recovering = true;
    void this.#recover(ended.outageMs).finally(() => {
      this.#recovering = false;
    });
  }

  #remember(key: string, op: 'set' | 'delete'): void {
    if (this.recovery === 'discard') return;
    const entry = this.#journal.get(key);
    if (entry) {
      entry.op = op;
      entry.atMs = this.#clock();
      return;
    }
    if (this.#journal.size >= this.#maxJournalEntries) {
      this.#journalDropped++;
      return;
    }
    this.#journal.set(key, { op, atMs: this.#clock() });
  }

  // --- recovery --------------------------------------------------------------------------

  async #recover(outageMs: number): Promise<void> {
    const startedAt = this.#clock();
    const journal = this.#journal;
    const prefixes = this.#clearedPrefixes;
    const droppedBefore = this.#journalDropped;
    const report: RecoveryReport = {
      policy: this.recovery,
      outageMs,
      replayed: 0,
      skipped: 0,
      invalidated: 0,
      dropped: this.#journalDropped,
      failed: 0,
      durationMs: 0,
      keys: [...journal.keys()],
      prefixes: prefixes.map((entry) => entry.prefix),
    };
    this.#journal = new Map();
    this.#clearedPrefixes = [];
    this.#journalDropped = 0;
    try {
      if (this.recovery !== 'discard') {
        for (const { prefix } of prefixes) {
          await this.#redisDeleteByPrefix(prefix);
          report.invalidated++;
        }
        if (this.recovery === 'invalidate') {
          await this.#invalidateKeys([...journal.keys()], report);
        } else {
          await this.#replay(journal, report);
        }
      }
    } catch (error) {
      if (!this.#isUnavailable(error)) {
        this.#emit('error', error);
      } else {
        this.#enterDegraded(error);
      }
    }
    if (this.#degradation.degraded) {
      // Redis went away again mid-recovery: keep everything for the next one (applying an entry
      // twice is harmless: deletes are idempotent, replays are version-checked).
      for (const [key, entry] of journal) {
        if (!this.#journal.has(key)) this.#journal.set(key, entry);
      }
      this.#clearedPrefixes.unshift(...prefixes);
      this.#journalDropped += droppedBefore;
      return;
    }
    this.memory.clear();
    report.durationMs = Math.max(0, this.#clock() - startedAt);
    this.#lastRecovery = report;
    this.#emit('recovered', report);
  }

  async #invalidateKeys(keys: string[], report: RecoveryReport): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const groups = groupBySlot(batch, this.#cluster);
      await Promise.all(
        groups.map((group) => this.#client.unlink(...group.map((index) => batch[index] ?? ''))),
      );
      report.invalidated += batch.length;
    }
  }

  async #replay(journal: Map<string, JournalEntry>, report: RecoveryReport): Promise<void> {
    const sha = scriptSha1(REPLAY_LUA);
    const entries = [...journal];
    for (let start = 0; start < entries.length; start += REPLAY_CONCURRENCY) {
      if (this.#degradation.degraded) return;
      await Promise.all(
        entries.slice(start, start + REPLAY_CONCURRENCY).map(async ([key, entry]) => {
          let value: string | Buffer = '';
          let ttlMs = 0;
          if (entry.op === 'set') {
            const held = this.memory.peek(key);
            if (held === undefined) {
              report.dropped++;
              return;
            }
            value = typeof held === 'number' ? String(held) : this.#asBuffer(key, held);
            ttlMs = Math.max(0, this.memory.ttlMs(key));
          }
          try {
            const replayed = await this.#evaluate(
              REPLAY_LUA,
              sha,
              [key, versionKey(key)],
              [entry.atMs, entry.op, value, ttlMs, this.#tombstoneTtlMs],
            );
            if (Number(replayed) === 1) report.replayed++;
            else report.skipped++;
          } catch (error) {
            if (this.#isUnavailable(error)) throw error;
            report.failed++;
            this.#emit('error', error);
          }
        }),
      );
    }
  }

  // --- Redis helpers ---------------------------------------------------------------------

  #evaluate(
    lua: string,
    sha1: string,
    keys: readonly string[],
    args: readonly ScriptArgument[],
  ): Promise<unknown> {
    return evaluateScript(this.#client, { lua, sha1 }, keys, args);
  }

  #msetScript(
    entries: ReadonlyArray<{
      key: string;
      value: string | Buffer;
      ttlMs: number;
    }>,
  ): Promise<unknown> {
    if (this.#versioned) {
      const keys: string[] = [];
      const args: ScriptArgument[] = [this.#clock()];
      for (const entry of entries) {
        keys.push(entry.key, versionKey(entry.key));
        args.push(entry.value, entry.ttlMs);
      }
      return this.#evaluate(MSET_VERSIONED_LUA, scriptSha1(MSET_VERSIONED_LUA), keys, args);
    }
    const keys: string[] = [];
    const args: ScriptArgument[] = [];
    for (const entry of entries) {
      keys.push(entry.key);
      args.push(entry.value, entry.ttlMs);
    }
    return this.#evaluate(MSET_LUA, scriptSha1(MSET_LUA), keys, args);
  }

  #redisDeleteByPrefix(prefix: string): Promise<number> {
    return deleteByPrefix(this.#client, prefix);
  }

  // --- memory conversions ----------------------------------------------------------------

  #asString(key: string, value: unknown): string {
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    if (typeof value === 'number') return String(value);
    throw new WrongTypeError({
      key,
      message: 'The in-memory value is a script state, not a string (WRONGTYPE)',
    });
  }

  #asBuffer(key: string, value: unknown): Buffer {
    if (Buffer.isBuffer(value)) return value;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    if (typeof value === 'number') return Buffer.from(String(value), 'utf8');
    throw new WrongTypeError({
      key,
      message: 'The in-memory value is a script state, not a string (WRONGTYPE)',
    });
  }

  #emit<E extends keyof ResilientStoreEvents>(
    event: E,
    ...args: Parameters<ResilientStoreEvents[E]>
  ): void {
    this.#events.emit(event, ...args);
  }
}
