import {
  DELETE_VERSIONED_LUA,
  INCREMENT_LUA,
  MSET_LUA,
  MSET_VERSIONED_LUA,
} from '../script/builtin-scripts.js';
import { evaluateScript, type LuaScript, luaScript } from '../script/evaluate-script.js';
import type { ScriptArgument } from '../script/store-script.js';
import type { CommandClient } from './command-client.js';
import { versionKey } from './version-key.js';

const MSET = luaScript(MSET_LUA);
const MSET_VERSIONED = luaScript(MSET_VERSIONED_LUA);
const DELETE_VERSIONED = luaScript(DELETE_VERSIONED_LUA);
const INCREMENT = luaScript(INCREMENT_LUA);

/** One write of {@link RedisWrites.set}, TTL checked (0: none). */
export interface CheckedEntry {
  key: string;
  value: string | Buffer;
  ttlMs: number;
}

/**
 * The Redis side of a `ResilientStore`'s writes. Under `last-write-wins` (`versioned`) every
 * write also stores a write version beside its key (`versionKey`), atomically, so that a replay
 * after an outage can tell which write is newer; otherwise the plain commands are used.
 */
export class RedisWrites {
  readonly #client: CommandClient;
  readonly #versioned: boolean;
  readonly #clock: () => number;
  readonly #tombstoneTtlMs: number;

  constructor(
    client: CommandClient,
    options: { versioned: boolean; clock: () => number; tombstoneTtlMs: number },
  ) {
    this.#client = client;
    this.#versioned = options.versioned;
    this.#clock = options.clock;
    this.#tombstoneTtlMs = options.tombstoneTtlMs;
  }

  /** Runs a script (EVALSHA, EVAL on NOSCRIPT). */
  evaluate(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArgument[],
  ): Promise<unknown> {
    return evaluateScript(this.#client, script, keys, args);
  }

  /** `SET [PX]` of one key. */
  set(entry: CheckedEntry): Promise<unknown> {
    if (this.#versioned) return this.mset([entry]);
    const { key, value, ttlMs } = entry;
    return ttlMs > 0 ? this.#client.set(key, value, 'PX', ttlMs) : this.#client.set(key, value);
  }

  /** Writes entries of one slot in one atomic script. */
  mset(entries: readonly CheckedEntry[]): Promise<unknown> {
    const keys: string[] = [];
    const args: ScriptArgument[] = this.#versioned ? [this.#clock()] : [];
    for (const entry of entries) {
      if (this.#versioned) keys.push(entry.key, versionKey(entry.key));
      else keys.push(entry.key);
      args.push(entry.value, entry.ttlMs);
    }
    return this.evaluate(this.#versioned ? MSET_VERSIONED : MSET, keys, args);
  }

  /** Deletes keys of one slot; the number that existed. */
  async delete(keys: string[]): Promise<number> {
    if (!this.#versioned) return this.#client.del(...keys);
    const scriptKeys = keys.flatMap((key) => [key, versionKey(key)]);
    const deleted = await this.evaluate(DELETE_VERSIONED, scriptKeys, [
      this.#clock(),
      this.#tombstoneTtlMs,
    ]);
    return Number(deleted);
  }

  /** `INCRBY` with a TTL set only when it creates the key; the new value. */
  async increment(key: string, by: number, ttlMs: number): Promise<number> {
    const reply = this.#versioned
      ? await this.evaluate(INCREMENT, [key, versionKey(key)], [by, ttlMs, this.#clock()])
      : await this.evaluate(INCREMENT, [key], [by, ttlMs]);
    return Number(reply);
  }
}
