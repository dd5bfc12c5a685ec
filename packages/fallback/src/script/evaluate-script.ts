import { type ScriptArgument, scriptSha1 } from './store-script.js';

/**
 * What {@link evaluateScript} needs of a client: `EVALSHA` and `EVAL`, and — on an ioredis
 * `Redis` or `Cluster` (5.4+ and 6), which has it — `defineCommand`. On a cluster every call is
 * routed by its first key.
 */
export interface ScriptEvaluator {
  evalsha(sha1: string, numberOfKeys: number, ...keysAndArgs: ScriptArgument[]): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...keysAndArgs: ScriptArgument[]): Promise<unknown>;
  defineCommand?(name: string, definition: { lua: string }): void;
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

type ScriptCommand = (...keysAndArgs: ScriptArgument[]) => Promise<unknown>;

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

// The command name carries the script's hash: two versions of a package sharing one client
// never overwrite each other's definition, and a script is defined once per client.
function commandName(script: LuaScript): string {
  return `redgrid_${script.sha1}`;
}

function scriptCommand(client: ScriptEvaluator, script: LuaScript): ScriptCommand | undefined {
  if (typeof client.defineCommand !== 'function') return undefined;
  const commands = client as unknown as Record<string, unknown>;
  const name = commandName(script);
  if (typeof commands[name] !== 'function') client.defineCommand(name, { lua: script.lua });
  const command = commands[name];
  return typeof command === 'function' ? (command as ScriptCommand) : undefined;
}

/**
 * Runs a Lua script the way every RedGrid package does. On an ioredis client the script becomes
 * a custom command of that client (once): ioredis sends `EVAL` the first time on each socket and
 * `EVALSHA` after, and on `NOSCRIPT` — that node restarted, failed over, or ran `SCRIPT FLUSH` —
 * resends it to the node that answered, which reloads it; one more resend absorbs a flush racing
 * that one. No error reply and no extra round trip in normal operation, so command metrics stay
 * clean. Any other client gets `EVALSHA`, then one `EVAL` with the same keys on `NOSCRIPT`. Every
 * other error is passed on as it came. Gotcha: `keys` must hash to one slot on a cluster (give
 * them a common hash tag).
 */
export function evaluateScript(
  client: ScriptEvaluator,
  script: LuaScript,
  keys: readonly ScriptArgument[],
  args: readonly ScriptArgument[],
): Promise<unknown> {
  const command = scriptCommand(client, script);
  if (command !== undefined) {
    return command.call(client, keys.length, ...keys, ...args).catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return command.call(client, keys.length, ...keys, ...args);
    });
  }
  return client.evalsha(script.sha1, keys.length, ...keys, ...args).catch((error: unknown) => {
    if (!isNoScript(error)) throw error;
    return client.eval(script.lua, keys.length, ...keys, ...args);
  });
}
