import type { RedisConnection } from '@redgrid/connection';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { MemoryStore, MemoryStoreOptions } from '../memory/memory-store.js';

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
  /** How this store is labelled on `redgrid:degradation`. Default `{ component: 'store', name: 'default' }`. */
  observedAs?: { component: string; name: string };
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

/** The recovery policy of the options (default `discard`); throws for an unknown one. */
export function checkRecoveryPolicy(value: unknown): RecoveryPolicy {
  const recovery = value ?? 'discard';
  if (recovery !== 'discard' && recovery !== 'invalidate' && recovery !== 'last-write-wins') {
    throw new InvalidArgumentError({
      argument: 'options.recovery',
      message: `must be 'discard', 'invalidate' or 'last-write-wins', got ${String(recovery)}`,
    });
  }
  return recovery;
}

/** True for a valid `maxJournalEntries`: an integer >= 0. */
export function isJournalBound(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** The error for an invalid `maxJournalEntries`. */
export function journalBoundError(value: number): InvalidArgumentError {
  return new InvalidArgumentError({
    argument: 'options.maxJournalEntries',
    message: `must be an integer >= 0, got ${value}`,
  });
}
