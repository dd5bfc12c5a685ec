import { hashTag } from '@redgrid/core';

/** The ioredis surface the lock uses (the connection's guarded `client`, a `Redis` or `Cluster`). */
export interface LockClient {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * Takes the lock unless the value exists already (a winner finished between this process's miss
 * and its attempt): 2 = the value exists, 1 = taken, 0 = held by another process.
 */
const ACQUIRE_UNLESS_PRESENT = `if redis.call('exists', KEYS[2]) == 1 then return 2 end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

/** Takes the lock: 1 = taken, 0 = held by another process. */
const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

/** Compare-and-delete: only the holder of the token releases; 1 = released, 0 = not held. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** What an attempt to take the lock found. */
export type LockAttempt = 'acquired' | 'busy' | 'present';

/** The lock key of a value key, and whether Redis Cluster places both in one slot. */
export interface LockKey {
  key: string;
  /** False only for keys whose text prevents it (a `}` without a hash tag before it). */
  sameSlot: boolean;
}

/**
 * The lock key of `valueKey`: `<prefix>~lock:` then the value key, whose hash tag it keeps, or,
 * without a tag, the value key wrapped in `{}` so that it becomes the tag. Either way Redis
 * Cluster hashes both keys alike (checked, not assumed), so one script can test the value and
 * take the lock. The cache's prefix never contains `{` or `}` (checked at creation).
 */
export function lockKeyOf(prefix: string, valueKey: string): LockKey {
  const head = `${prefix}~lock:`;
  const tag = hashTag(valueKey);
  if (tag !== valueKey) return { key: head + valueKey, sameSlot: true };
  const wrapped = `${head}{${valueKey}}`;
  if (hashTag(wrapped) === valueKey) return { key: wrapped, sameSlot: true };
  return { key: head + valueKey, sameSlot: false };
}

/**
 * A short Redis lock with a fencing token: `SET key token NX PX ttl`, released by a Lua
 * compare-and-delete so that a holder whose lock expired (and was taken by another) cannot
 * release the newer holder's. Not a mutual-exclusion guarantee (a holder paused past the TTL
 * loses it unknowingly): what it buys is that, usually, one process does the work. Internal.
 */
export class RedisLock {
  readonly #client: LockClient;
  readonly #ttlMs: number;

  constructor(client: LockClient, ttlMs: number) {
    this.#client = client;
    this.#ttlMs = ttlMs;
  }

  /**
   * Tries to take `lock` with `token`. With `valueKey` (when in the same slot), reports
   * `present` instead when that key exists. Rejects when Redis cannot answer.
   */
  async acquire(lock: LockKey, token: string, valueKey?: string): Promise<LockAttempt> {
    const reply =
      valueKey !== undefined && lock.sameSlot
        ? await this.#client.eval(ACQUIRE_UNLESS_PRESENT, 2, lock.key, valueKey, token, this.#ttlMs)
        : await this.#client.eval(ACQUIRE, 1, lock.key, token, this.#ttlMs);
    if (reply === 1) return 'acquired';
    if (reply === 2) return 'present';
    return 'busy';
  }

  /** Releases `lock` if `token` still holds it; true when it did. Rejects when Redis cannot answer. */
  async release(lock: LockKey, token: string): Promise<boolean> {
    return (await this.#client.eval(RELEASE, 1, lock.key, token)) === 1;
  }
}
