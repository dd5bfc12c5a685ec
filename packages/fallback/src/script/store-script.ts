import { createHash } from 'node:crypto';
import type { MemoryStore } from '../memory/memory-store.js';

/** An argument passed to a script (Lua `ARGV`): numbers are sent as their decimal text. */
export type ScriptArgument = string | number | Buffer;

/**
 * A Redis reply as ioredis hands it over for `EVALSHA`: integers as numbers, bulk and status
 * strings as strings, nil as null, arrays as arrays. (Lua `false` becomes null; Lua numbers
 * are truncated to integers by Redis — return fractions as strings.)
 */
export type ScriptReply = string | number | Buffer | null | ScriptReply[];

/**
 * One algorithm in two implementations with the same semantics: a Lua script Redis runs
 * atomically, and a function the `ResilientStore` runs on its in-memory store while Redis is
 * unusable. This is how the rate limiter keeps limiting during an outage.
 *
 * Rules the Lua side must follow to be cluster-safe: touch only `KEYS` (all in one slot — give
 * them a common hash tag), and read the time with `redis.call('TIME')` rather than an argument
 * if clocks matter. The memory side receives the equivalent `nowMs` (wall clock, ms). Both sides
 * must return the same `TResult`: `parseReply` converts the Lua reply into it.
 */
export interface StoreScript<TResult> {
  /** Short name for errors and metrics, e.g. `token-bucket`. */
  readonly name: string;
  /** The Lua source. Loaded with `EVALSHA`; reloaded on `NOSCRIPT` on the node that answered. */
  readonly lua: string;
  /** How many of the arguments are keys (`KEYS`); the rest are `ARGV`. */
  readonly numberOfKeys: number;
  /** Converts the Lua reply into the result type. */
  readonly parseReply: (reply: ScriptReply) => TResult;
  /**
   * The same algorithm over the in-memory store. Runs synchronously, so it is atomic like the
   * Lua script. Store whatever state shape suits it (objects are fine); it is not replayed to
   * Redis on recovery. Keep every key it writes bounded by a TTL (`store.set(k, v, { ttlMs })`).
   */
  readonly memory: (
    store: MemoryStore,
    keys: readonly string[],
    args: readonly ScriptArgument[],
    nowMs: number,
  ) => TResult;
}

/** A {@link StoreScript} with its SHA1 computed once; what {@link defineScript} returns. */
export interface DefinedScript<TResult> extends StoreScript<TResult> {
  /** SHA1 of `lua`, as `EVALSHA` wants it. */
  readonly sha1: string;
}

const shaCache = new Map<string, string>();

/** SHA1 (hex) of a Lua source, cached. */
export function scriptSha1(lua: string): string {
  let sha = shaCache.get(lua);
  if (sha === undefined) {
    sha = createHash('sha1').update(lua).digest('hex');
    shaCache.set(lua, sha);
  }
  return sha;
}

/**
 * Declares a script once, at module level, computing its SHA1 up front. Passing a plain object
 * to `runScript` works too; this just saves a map lookup per call and freezes the definition.
 */
export function defineScript<TResult>(script: StoreScript<TResult>): DefinedScript<TResult> {
  return Object.freeze({ ...script, sha1: scriptSha1(script.lua) });
}
