import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { exponentialBackoff } from '@redgrid/core';
import type { CacheSource } from '../cache/cache-result.js';
import {
  type LockAttempt,
  type LockClient,
  type LockKey,
  lockKeyOf,
  RedisLock,
} from './redis-lock.js';

/** Settings of a {@link DistributedSingleFlight}, defaults applied. */
export interface DistributedSingleFlightSettings {
  client: LockClient;
  /** The cache's prefix: lock keys live under it. */
  prefix: string;
  lockTtlMs: number;
  waitMs: number;
  maxPollIntervalMs: number;
  /** True while Redis is unusable: no lock is tried. */
  degraded: () => boolean;
}

/** A value another process loaded, read back from L2. */
export interface LoadedElsewhere {
  value: unknown;
  source: CacheSource;
}

/**
 * Single-flight across processes, on top of the per-process one: a miss takes a short Redis
 * lock on the key; the winner runs the loader and writes the value, the others wait for that
 * value (polling with capped, jittered backoff — one script call per look, which also takes the
 * lock if the winner released it without a value or died and let it expire) and read it from
 * L2. Waiting is bounded by `waitMs`, after which a waiter runs the loader itself; a lock that
 * cannot be taken or checked (Redis unusable) means the loader runs here at once. It never makes
 * a call fail. Internal.
 */
export class DistributedSingleFlight {
  readonly #settings: DistributedSingleFlightSettings;
  readonly #lock: RedisLock;
  readonly #backoff: (attempt: number) => number;
  readonly #abort = new AbortController();
  readonly #releases = new Set<Promise<unknown>>();

  constructor(settings: DistributedSingleFlightSettings) {
    this.#settings = settings;
    this.#lock = new RedisLock(settings.client, settings.lockTtlMs);
    this.#backoff = exponentialBackoff({ baseMs: 10, maxMs: settings.maxPollIntervalMs });
  }

  /**
   * Runs `load` for `key` unless another process holds its lock; then waits for that process's
   * value (`readFresh` reads it from L2) and returns it instead.
   */
  async run<T>(
    key: string,
    load: () => Promise<T>,
    readFresh: () => Promise<LoadedElsewhere | undefined>,
  ): Promise<{ value: T; source: CacheSource }> {
    const lock = lockKeyOf(this.#settings.prefix, key);
    const deadline = Date.now() + this.#settings.waitMs;
    for (let attempt = 0; !this.#abort.signal.aborted && !this.#settings.degraded(); attempt++) {
      const token = randomUUID();
      let found: LockAttempt;
      try {
        found = await this.#lock.acquire(lock, token, key);
      } catch {
        break; // Redis unusable: the per-process single-flight still holds.
      }
      if (found === 'acquired') {
        try {
          return { value: await load(), source: 'loader' };
        } finally {
          this.#release(lock, token);
        }
      }
      if (found === 'present') {
        const loaded = await readFresh();
        if (loaded !== undefined) return { value: loaded.value as T, source: loaded.source };
        break; // present but not usable (stale, undecodable): load here.
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        await sleep(Math.max(1, Math.min(remaining, this.#backoff(attempt))), undefined, {
          signal: this.#abort.signal,
        });
      } catch {
        break; // closed
      }
    }
    return { value: await load(), source: 'loader' };
  }

  /**
   * Runs `load` unless another process holds the lock of `key` (then it does nothing and
   * returns false): for background refreshes, where the stale value is served meanwhile.
   */
  async runIfFree(key: string, load: () => Promise<unknown>): Promise<boolean> {
    if (this.#settings.degraded()) {
      await load();
      return true;
    }
    const lock = lockKeyOf(this.#settings.prefix, key);
    const token = randomUUID();
    let found: LockAttempt = 'acquired';
    let held = false;
    try {
      found = await this.#lock.acquire(lock, token);
      held = found === 'acquired';
    } catch {
      // Redis unusable: refresh here.
    }
    if (found !== 'acquired') return false;
    try {
      await load();
      return true;
    } finally {
      if (held) this.#release(lock, token);
    }
  }

  /** Ends every wait (waiters run their loader) and awaits the releases in flight. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#releases);
  }

  /** Not awaited by the caller: the value is written already; waiters see it without this. */
  #release(lock: LockKey, token: string): void {
    const release = this.#lock.release(lock, token).catch(() => false);
    this.#releases.add(release);
    void release.finally(() => this.#releases.delete(release));
  }
}
