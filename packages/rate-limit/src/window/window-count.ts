import { luaScript, type MemoryStore, type ScriptReply } from '@redgrid/fallback';

/**
 * A fixed window's count as `RateLimiter.getWindow` and `RateLimiter.decrement` report it: what
 * a store of express-rate-limit (or any hit counter) reads.
 */
export interface WindowCount {
  /** Units counted in the current window. */
  readonly used: number;
  /** Ms until the window ends and the count starts again; 0 when unknown. */
  readonly resetMs: number;
  /** True when the failure policy answered because Redis could not. */
  readonly degraded: boolean;
}

/** A window's state without the `degraded` flag, as both stores answer it. */
export type WindowState = Omit<WindowCount, 'degraded'>;

// The fixed-window state the limiter keeps: in Redis an integer count whose TTL is the window;
// in memory `{ used, endsAt }` (see MemoryCheckEngine, whose clock — `nowMs` below — counts ms
// since TIME_EPOCH_MS). Both scripts touch only KEYS[1].

/** GET and PTTL of a fixed window's state key; nil when no window is open. */
export const WINDOW_GET_SCRIPT = luaScript(`local used = redis.call('GET', KEYS[1])
if not used then return nil end
return { tonumber(used), redis.call('PTTL', KEYS[1]) }`);

/**
 * Takes ARGV[2] units back from a fixed window, never below zero. On a key without a window it
 * opens one of ARGV[1] ms with a count of 0 (what express-rate-limit's MemoryStore does): a later
 * hit then counts in that window.
 */
export const WINDOW_DECREMENT_SCRIPT = luaScript(`local used = tonumber(redis.call('GET', KEYS[1]))
if not used then
  redis.call('SET', KEYS[1], 0, 'PX', ARGV[1])
  return { 0, tonumber(ARGV[1]) }
end
if used > 0 then used = redis.call('DECRBY', KEYS[1], math.min(used, tonumber(ARGV[2]))) end
return { used, redis.call('PTTL', KEYS[1]) }`);

/** Converts the reply of either script. */
export function parseWindowReply(reply: ScriptReply | unknown): WindowState | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (!Array.isArray(reply)) return { used: Number(reply), resetMs: 0 };
  return { used: Number(reply[0]), resetMs: Math.max(0, Number(reply[1])) };
}

function fixedState(
  store: MemoryStore,
  key: string,
  nowMs: number,
): { used: number; endsAt: number } | undefined {
  const state = store.get(key);
  if (typeof state !== 'object' || state === null || !('endsAt' in state) || !('used' in state)) {
    return undefined;
  }
  const { used, endsAt } = state as { used: unknown; endsAt: unknown };
  if (typeof used !== 'number' || typeof endsAt !== 'number' || endsAt <= nowMs) return undefined;
  return { used, endsAt };
}

function remaining(endsAt: number, nowMs: number): number {
  return Math.max(0, Math.ceil(endsAt - nowMs));
}

/** The memory twin of {@link WINDOW_GET_SCRIPT}, over the limiter's in-memory states. */
export function memoryWindowGet(
  store: MemoryStore,
  key: string,
  nowMs: number,
): WindowState | undefined {
  const state = fixedState(store, key, nowMs);
  if (state === undefined) return undefined;
  return { used: state.used, resetMs: remaining(state.endsAt, nowMs) };
}

/** The memory twin of {@link WINDOW_DECREMENT_SCRIPT}. */
export function memoryWindowDecrement(
  store: MemoryStore,
  key: string,
  windowMs: number,
  amount: number,
  nowMs: number,
): WindowState {
  const state = fixedState(store, key, nowMs) ?? { used: 0, endsAt: nowMs + windowMs };
  const used = Math.max(0, state.used - amount);
  const resetMs = remaining(state.endsAt, nowMs);
  store.set(key, { used, endsAt: state.endsAt }, { ttlMs: Math.max(1, resetMs) });
  return { used, resetMs };
}
