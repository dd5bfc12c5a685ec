import type { RedisConnection } from '@redgrid/connection';
import {
  CircuitOpenError,
  CrossSlotError,
  type HealthCheck,
  type HealthContext,
  keySlot,
  TypedEmitter,
} from '@redgrid/core';
import {
  type DegradationSnapshot,
  DegradationTracker,
} from '../degradation/degradation-tracker.js';
import { isStoreFailure } from '../degradation/store-failure.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { MemoryStore } from '../memory/memory-store.js';
import {
  type ScriptArgument,
  type ScriptReply,
  type StoreScript,
  scriptSha1,
} from '../script/store-script.js';
import { asCommandClient, type CommandClient, groupBySlot, isCluster } from './command-client.js';
import { deleteByPrefix } from './delete-by-prefix.js';
import { multiGetBySlot, type SlotRouting } from './multi-get.js';
import { RecoveryJournal } from './recovery-journal.js';
import { RedisWrites } from './redis-writes.js';
import type {
  RecoveryPolicy,
  RecoveryReport,
  ResilientStoreEvents,
  ResilientStoreOptions,
  ResilientStoreStats,
  StoreEntry,
  StoreIncrementOptions,
  StoreSetOptions,
} from './resilient-store-options.js';
import {
  checkRecoveryPolicy,
  isJournalBound,
  journalBoundError,
} from './resilient-store-options.js';
import type { StoreResult, StoreSource } from './store-result.js';
import { asStoredBuffer, asStoredString, checkTtl, sizeOfStored } from './stored-value.js';

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
  readonly #writes: RedisWrites;
  readonly #events = new TypedEmitter<ResilientStoreEvents>({ name: 'a resilient store' });
  readonly #degradation: DegradationTracker;
  #recovering = false;
  readonly #journal: RecoveryJournal;
  #redisCount = 0;
  #memoryCount = 0;
  #lastRecovery: RecoveryReport | undefined;

  constructor(options: ResilientStoreOptions) {
    this.#client = asCommandClient(options.connection.client);
    this.#cluster = isCluster(this.#client);
    const recovery = checkRecoveryPolicy(options.recovery);
    this.recovery = recovery;
    const tombstoneTtlMs = checkTtl(options.tombstoneTtlMs ?? 3_600_000, 'options.tombstoneTtlMs');
    if (options.memory instanceof MemoryStore) {
      this.memory = options.memory;
      this.#ownsMemory = false;
    } else {
      this.memory = new MemoryStore(options.memory);
      this.#ownsMemory = true;
    }
    this.#clock = options.clock ?? Date.now;
    this.#isUnavailable = options.isUnavailable ?? isStoreFailure;
    this.#degradation = new DegradationTracker({
      clock: this.#clock,
      name: 'a resilient store',
      ...(options.observedAs === undefined ? {} : { observedAs: options.observedAs }),
    });
    const maxJournalEntries = options.maxJournalEntries ?? this.memory.maxEntries;
    if (!isJournalBound(maxJournalEntries)) {
      if (this.#ownsMemory) this.memory.dispose();
      throw journalBoundError(maxJournalEntries);
    }
    this.#writes = new RedisWrites(this.#client, {
      versioned: recovery === 'last-write-wins',
      clock: this.#clock,
      tombstoneTtlMs,
    });
    this.#journal = new RecoveryJournal({
      policy: recovery,
      maxEntries: maxJournalEntries,
      tombstoneTtlMs,
      clock: this.#clock,
      memory: this.memory,
      client: this.#client,
      cluster: this.#cluster,
      evaluate: (lua, sha1, keys, args) => this.#writes.evaluate({ lua, sha1 }, keys, args),
      deleteByPrefix: (prefix) => deleteByPrefix(this.#client, prefix),
      isUnavailable: this.#isUnavailable,
      isDegraded: () => this.#degradation.degraded,
      onUnavailable: (error) => this.#enterDegraded(error),
      onError: (error) => this.#events.emit('error', error),
    });
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

  /** Subscribes to `degraded`, `recovered` or `error` (a throwing listener changes no result); returns the unsubscribe. */
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
      value = asBuffer ? asStoredBuffer(key, held) : asStoredString(key, held);
    return { value, source: 'memory', degraded: true };
  }

  /** Strings at `keys`, in order (null where absent). Split per slot on a cluster. */
  mget(keys: readonly string[]): Promise<StoreResult<Array<string | null>>> {
    return multiGetBySlot(
      this.#routing(),
      keys,
      (group) => this.#client.mget(...group),
      (key) => this.#memoryValue(key, asStoredString),
    );
  }

  /** Bytes at `keys`, in order (null where absent). Split per slot on a cluster. */
  mgetBuffer(keys: readonly string[]): Promise<StoreResult<Array<Buffer | null>>> {
    return multiGetBySlot(
      this.#routing(),
      keys,
      (group) => this.#client.mgetBuffer(...group),
      (key) => this.#memoryValue(key, asStoredBuffer),
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
      () => this.#writes.set({ key, value, ttlMs }),
      () => {
        this.memory.set(key, value, {
          ttlMs,
          sizeBytes: sizeOfStored(key, value),
        });
        this.#journal.remember(key, 'set');
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
          () => this.#writes.mset(part),
          () => {
            for (const entry of part) {
              this.memory.set(entry.key, entry.value, {
                ttlMs: entry.ttlMs,
                sizeBytes: sizeOfStored(entry.key, entry.value),
              });
              this.#journal.remember(entry.key, 'set');
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
          () => this.#writes.delete(part),
          () => {
            let deleted = 0;
            for (const key of part) {
              if (this.memory.delete(key)) deleted++;
              this.#journal.remember(key, 'delete');
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
      () => this.#writes.increment(key, by, ttlMs),
      () => {
        const value = this.memory.increment(key, { by, ttlMs });
        this.#journal.remember(key, 'set');
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
      () => deleteByPrefix(this.#client, prefix),
      () => {
        const deleted = this.memory.deleteByPrefix(prefix);
        this.#journal.rememberPrefix(prefix);
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
    const sha1 =
      'sha1' in script && typeof script.sha1 === 'string' ? script.sha1 : scriptSha1(script.lua);
    return this.#run(
      async () =>
        script.parseReply(
          (await this.#writes.evaluate({ lua: script.lua, sha1 }, keys, args)) as ScriptReply,
        ),
      () => script.memory(this.memory, keys, args, this.#clock()),
    );
  }

  /** When the current outage started, how many there were, the last recovery: for health. */
  degradation(): DegradationSnapshot {
    return this.#degradation.snapshot();
  }

  /** This store's health check under `name` (a `HealthIndicator`): degraded while it serves from memory. */
  healthCheck(name: string, context: HealthContext): HealthCheck {
    return this.#degradation.healthCheck(name, context, { journalSize: this.#journal.size });
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

  #routing(): SlotRouting {
    return { cluster: this.#cluster, run: (redis, memory) => this.#run(redis, memory) };
  }

  #memoryValue<T>(key: string, convert: (key: string, value: unknown) => T): T | null {
    const value = this.memory.get(key);
    return value === undefined ? null : convert(key, value);
  }

  #enterDegraded(error: unknown): void {
    if (this.#degradation.fail(error)) this.#events.emit('degraded', { error });
  }

  #leaveDegraded(): void {
    const ended = this.#degradation.recover();
    if (ended === undefined || this.#recovering) return;
    this.#recovering = true;
    void this.#recover(ended.outageMs).finally(() => {
      this.#recovering = false;
    });
  }

  async #recover(outageMs: number): Promise<void> {
    const report = await this.#journal.recover(outageMs);
    if (report === undefined) return;
    this.#lastRecovery = report;
    this.#events.emit('recovered', report);
  }
}
