import { type ScriptArgument, scriptSha1 } from './store-script.js';

/**
 * What {@link evaluateScript} needs of a client: `EVALSHA` and `EVAL`. An ioredis `Redis` or
 * `Cluster` (5.4+ and 6) has both; on a cluster both are routed by the first key.
 */
export interface ScriptEvaluator {
  evalsha(sha1: string, numberOfKeys: number, ...keysAndArgs: ScriptArgument[]): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...keysAndArgs: ScriptArgument[]): Promise<unknown>;
}

/** A Lua source and its SHA1, as {@link luaScript} and `defineScript` produce. */
export interface LuaScript {
  readonly lua: string;
  /** SHA1 (hex) of `lua`. */
  readonly sha1: string;
}

/** Pairs a Lua source with its SHA1, computed once: declare it at module level. */
export function luaScript(lua: string): LuaScript {
  return Object.freeze({ lua, sha1: scriptSha1(lua) });
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Runs a Lua script the way every RedGrid package does: `EVALSHA` first (the source is not sent
 * again), and on `NOSCRIPT` — that node never saw it: restarted, failed over, `SCRIPT FLUSH` —
 * one `EVAL` with the same keys, which goes to the same node and caches the script there. No
 * per-client state, no `SCRIPT LOAD` up front, so it works unchanged on a single server, a
 * Sentinel group and every node of a cluster. Every other error is passed on as it came.
 * Gotcha: `keys` must hash to one slot on a cluster (give them a common hash tag).
 */
export function evaluateScript(
  client: ScriptEvaluator,
  script: LuaScript,
  keys: readonly ScriptArgument[],
  args: readonly ScriptArgument[],
): Promise<unknown> {
  return client.evalsha(script.sha1, keys.length, ...keys, ...args).catch((error: unknown) => {
    if (!isNoScript(error)) throw error;
    return client.eval(script.lua, keys.length, ...keys, ...args);
  });
}
