import type { MemoryStore } from '@redgrid/fallback';
import type {
  CheckEngine,
  CheckMode,
  GroupOutcome,
  LimitCheck,
  LimitOutcome,
  LimitProfile,
} from '../algorithm/limit-check.js';
import { TIME_EPOCH_MS } from '../algorithm/time-epoch.js';

// The same algorithms as the Lua script (see rate-limit-lua.ts), over a bounded MemoryStore:
// same decisions, same two-phase all-or-nothing groups, same blocks. Each state lives under the
// same key it would have in Redis, with a TTL, so the store's LRU and TTL bound it and no timer
// per key exists. Differences: the clock is this process's, and each instance counts alone.

interface FixedState {
  used: number;
  endsAt: number;
}

interface SlidingState {
  index: number;
  current: number;
  previous: number;
}

interface BucketState {
  tokens: number;
  updated: number;
}

/** A decision plus what `commit` writes; `write` is undefined when nothing would change. */
interface Decision extends LimitOutcome {
  write: () => void;
}

const EPSILON = 1e-9;

function duration(value: number): number {
  return value <= 0 ? 0 : Math.ceil(value - EPSILON);
}

function isObject<T extends object>(value: unknown, field: keyof T): value is T {
  return typeof value === 'object' && value !== null && field in value;
}

/**
 * Decides checks in process memory, synchronously (so atomically, like the script). Used by the
 * `memory` failure policy while Redis is unusable.
 */
export class MemoryCheckEngine implements CheckEngine {
  readonly #store: MemoryStore;
  readonly #clock: () => number;

  constructor(store: MemoryStore, clock: () => number = Date.now) {
    this.#store = store;
    this.#clock = clock;
  }

  /** The store holding the states (bounded by its own `maxEntries` / `maxBytes`). */
  get store(): MemoryStore {
    return this.#store;
  }

  evaluate(mode: CheckMode, group: readonly LimitCheck[]): GroupOutcome {
    const now = this.#clock() - TIME_EPOCH_MS;
    const limits: LimitOutcome[] = [];
    const commits: Array<() => void> = [];
    const admitted: Array<{ outcome: LimitOutcome; cost: number }> = [];
    let allAllowed = true;
    for (const check of group) {
      const { profile, cost } = check;
      const blockedFor = mode === 'refund' ? 0 : this.#blockedFor(check.blockKey, profile, now);
      if (blockedFor > 0) {
        allAllowed = false;
        limits.push({
          allowed: false,
          remaining: 0,
          resetMs: blockedFor,
          retryAfterMs: blockedFor,
        });
        continue;
      }
      if (mode === 'refund') {
        limits.push(this.#refund(check, now));
        continue;
      }
      const decision = this.#decide(check, now);
      const outcome: LimitOutcome = {
        allowed: decision.allowed,
        remaining: decision.remaining,
        resetMs: decision.resetMs,
        retryAfterMs: decision.retryAfterMs,
      };
      if (decision.allowed) {
        commits.push(decision.write);
        admitted.push({ outcome, cost });
      } else {
        allAllowed = false;
        if (profile.blockMs > 0 && mode === 'consume') {
          this.#store.set(check.blockKey, now + profile.blockMs, {
            ttlMs: profile.blockMs,
          });
          outcome.retryAfterMs = Math.max(outcome.retryAfterMs, profile.blockMs);
          outcome.resetMs = Math.max(outcome.resetMs, profile.blockMs);
        }
      }
      limits.push(outcome);
    }
    if (allAllowed) {
      if (mode === 'consume') for (const commit of commits) commit();
    } else {
      // Limits that would have allowed consumed nothing: report what they still have.
      for (const { outcome, cost } of admitted) outcome.remaining += cost;
    }
    return { ok: true, allowed: allAllowed, limits };
  }

  #blockedFor(blockKey: string, profile: LimitProfile, now: number): number {
    if (profile.blockMs <= 0) return 0;
    const until = this.#store.get(blockKey);
    return typeof until === 'number' ? duration(until - now) : 0;
  }

  #decide(check: LimitCheck, now: number): Decision {
    switch (check.profile.algorithm) {
      case 'fixed-window':
        return this.#fixed(check, now);
      case 'sliding-window':
        return this.#sliding(check, now);
      case 'sliding-log':
        return this.#log(check, now);
      case 'token-bucket':
        return this.#bucket(check, now);
      case 'gcra':
        return this.#gcra(check, now);
    }
  }

  #refund(check: LimitCheck, now: number): LimitOutcome {
    const { profile, stateKey, cost } = check;
    const { limit, windowMs } = profile;
    const refunded = (remaining: number, resetMs: number): LimitOutcome => ({
      allowed: true,
      remaining,
      resetMs,
      retryAfterMs: 0,
    });
    switch (profile.algorithm) {
      case 'fixed-window': {
        const state = this.#fixedState(stateKey, now);
        if (state === undefined) return refunded(limit, 0);
        state.used = Math.max(0, state.used - cost);
        const ttlMs = duration(state.endsAt - now);
        this.#store.set(stateKey, state, { ttlMs: Math.max(1, ttlMs) });
        return refunded(limit - Math.min(limit, state.used), state.used > 0 ? ttlMs : 0);
      }
      case 'sliding-window': {
        const { index, start, current, previous, weight } = this.#slidingState(
          stateKey,
          windowMs,
          now,
        );
        const back = Math.min(current, cost);
        const left = {
          index,
          current: current - back,
          previous: Math.max(0, previous - (cost - back)),
        };
        this.#store.set(stateKey, left, {
          ttlMs: Math.max(1, duration(start + 2 * windowMs - now)),
        });
        return refunded(
          Math.max(0, Math.floor(limit - left.previous * weight - left.current + EPSILON)),
          slidingReset(start, windowMs, left.current, left.previous, now),
        );
      }
      case 'sliding-log': {
        const entries = this.#logEntries(stateKey, windowMs, now);
        entries.splice(Math.max(0, entries.length - cost), cost);
        const newest = entries.at(-1);
        if (newest === undefined) {
          this.#store.delete(stateKey);
          return refunded(limit, 0);
        }
        this.#store.set(stateKey, entries, {
          ttlMs: Math.max(1, duration(newest + windowMs - now)),
        });
        return refunded(limit - Math.min(limit, entries.length), duration(newest + windowMs - now));
      }
      case 'token-bucket': {
        const { tokens, at } = this.#bucketState(check, now);
        const left = Math.min(profile.burst, tokens + cost);
        this.#bucketWrite(check, left, at);
        return refunded(
          Math.floor(left + EPSILON),
          duration(((profile.burst - left) * windowMs) / limit),
        );
      }
      case 'gcra': {
        const interval = windowMs / limit;
        const tolerance = gcraTolerance(profile);
        const stored = this.#store.get(stateKey);
        const tat = Math.max(now, (typeof stored === 'number' ? stored : now) - cost * interval);
        this.#gcraWrite(stateKey, tat, now);
        return refunded(
          Math.max(0, Math.floor((tolerance - (tat - now)) / interval)),
          duration(tat - now),
        );
      }
    }
  }

  #fixedState(key: string, now: number): FixedState | undefined {
    const state = this.#store.get(key);
    if (!isObject<FixedState>(state, 'endsAt') || state.endsAt <= now) return undefined;
    return { used: state.used, endsAt: state.endsAt };
  }

  #fixed(check: LimitCheck, now: number): Decision {
    const { profile, stateKey, cost } = check;
    const { limit, windowMs } = profile;
    const state = this.#fixedState(stateKey, now);
    const used = state?.used ?? 0;
    const endsAt = state?.endsAt ?? now + windowMs;
    const ttlMs = duration(endsAt - now);
    const write = () => {
      this.#store.set(stateKey, { used: used + cost, endsAt }, { ttlMs: Math.max(1, ttlMs) });
    };
    if (used + cost <= limit) {
      return {
        allowed: true,
        remaining: limit - used - cost,
        resetMs: ttlMs,
        retryAfterMs: 0,
        write,
      };
    }
    return {
      allowed: false,
      remaining: limit - Math.min(limit, used),
      resetMs: ttlMs,
      retryAfterMs: ttlMs,
      write,
    };
  }

  #slidingState(key: string, windowMs: number, now: number) {
    let index = Math.floor(now / windowMs);
    const state = this.#store.get(key);
    let current = 0;
    let previous = 0;
    if (isObject<SlidingState>(state, 'index')) {
      if (state.index === index) {
        current = state.current;
        previous = state.previous;
      } else if (state.index === index - 1) {
        previous = state.current;
      } else if (state.index > index) {
        index = state.index;
        current = state.current;
        previous = state.previous;
      }
    }
    const start = index * windowMs;
    const weight = Math.max(0, 1 - Math.max(0, now - start) / windowMs);
    return { index, start, current, previous, weight };
  }

  #sliding(check: LimitCheck, now: number): Decision {
    const { profile, stateKey, cost } = check;
    const { limit, windowMs } = profile;
    const { index, start, current, previous, weight } = this.#slidingState(stateKey, windowMs, now);
    const estimate = previous * weight + current;
    const write = () => {
      this.#store.set(
        stateKey,
        { index, current: current + cost, previous },
        { ttlMs: Math.max(1, duration(start + 2 * windowMs - now)) },
      );
    };
    if (estimate + cost <= limit + EPSILON) {
      return {
        allowed: true,
        remaining: Math.max(0, Math.floor(limit - estimate - cost + EPSILON)),
        resetMs: slidingReset(start, windowMs, current + cost, previous, now),
        retryAfterMs: 0,
        write,
      };
    }
    const elapsed = (1 - weight) * windowMs;
    let retry: number;
    if (current === 0) retry = start + windowMs - now;
    else if (current + cost <= limit) {
      retry = windowMs * (1 - (limit - current - cost) / previous) - elapsed;
    } else {
      retry = start + windowMs - now + Math.max(0, windowMs * (1 - (limit - cost) / current));
    }
    return {
      allowed: false,
      remaining: Math.max(0, Math.floor(limit - estimate + EPSILON)),
      resetMs: slidingReset(start, windowMs, current, previous, now),
      retryAfterMs: Math.max(1, duration(retry)),
      write,
    };
  }

  #logEntries(key: string, windowMs: number, now: number): number[] {
    const state = this.#store.get(key);
    if (!Array.isArray(state)) return [];
    const horizon = now - windowMs;
    let first = 0;
    while (first < state.length && (state[first] as number) <= horizon) first++;
    return state.slice(first) as number[];
  }

  #log(check: LimitCheck, now: number): Decision {
    const { profile, stateKey, cost } = check;
    const { limit, windowMs } = profile;
    const entries = this.#logEntries(stateKey, windowMs, now);
    const used = entries.length;
    // Entries are the times units were counted (several may share one), never decreasing.
    const at = Math.max(now, entries.at(-1) ?? now);
    const write = () => {
      for (let index = 0; index < cost; index++) entries.push(at);
      this.#store.set(stateKey, entries, {
        ttlMs: Math.max(1, duration(at - now + windowMs)),
      });
    };
    if (used + cost <= limit) {
      return {
        allowed: true,
        remaining: limit - used - cost,
        resetMs: duration(at + windowMs - now),
        retryAfterMs: 0,
        write,
      };
    }
    const need = Math.max(1, Math.min(used, used + cost - limit));
    const entry = entries[need - 1];
    const retry = entry === undefined ? windowMs : entry + windowMs - now;
    return {
      allowed: false,
      remaining: limit - Math.min(limit, used),
      resetMs: used > 0 ? duration((entries.at(-1) ?? now) + windowMs - now) : 0,
      retryAfterMs: Math.max(1, duration(retry)),
      write,
    };
  }

  #bucketState(check: LimitCheck, now: number): { tokens: number; at: number } {
    const { profile, stateKey } = check;
    const state = this.#store.get(stateKey);
    if (!isObject<BucketState>(state, 'tokens')) return { tokens: profile.burst, at: now };
    const refill =
      now > state.updated ? ((now - state.updated) * profile.limit) / profile.windowMs : 0;
    return {
      tokens: Math.min(profile.burst, state.tokens + refill),
      at: Math.max(now, state.updated),
    };
  }

  #bucketWrite(check: LimitCheck, tokens: number, at: number): void {
    const { profile, stateKey } = check;
    if (tokens >= profile.burst - EPSILON) {
      this.#store.delete(stateKey);
      return;
    }
    const ttlMs = duration(((profile.burst - tokens) * profile.windowMs) / profile.limit);
    this.#store.set(stateKey, { tokens, updated: at }, { ttlMs: Math.max(1, ttlMs) });
  }

  #bucket(check: LimitCheck, now: number): Decision {
    const { profile, cost } = check;
    const perToken = profile.windowMs / profile.limit;
    const { tokens, at } = this.#bucketState(check, now);
    const write = () => this.#bucketWrite(check, tokens - cost, at);
    if (tokens + EPSILON >= cost) {
      const left = tokens - cost;
      return {
        allowed: true,
        remaining: Math.max(0, Math.floor(left + EPSILON)),
        resetMs: duration((profile.burst - left) * perToken),
        retryAfterMs: 0,
        write,
      };
    }
    return {
      allowed: false,
      remaining: Math.max(0, Math.floor(tokens + EPSILON)),
      resetMs: duration((profile.burst - tokens) * perToken),
      retryAfterMs: Math.max(1, duration((cost - tokens) * perToken)),
      write,
    };
  }

  #gcraWrite(key: string, tat: number, now: number): void {
    if (tat <= now) this.#store.delete(key);
    else this.#store.set(key, tat, { ttlMs: Math.max(1, duration(tat - now)) });
  }

  #gcra(check: LimitCheck, now: number): Decision {
    const { profile, stateKey, cost } = check;
    const interval = profile.windowMs / profile.limit;
    const tolerance = gcraTolerance(profile);
    const stored = this.#store.get(stateKey);
    const tat = Math.max(now, typeof stored === 'number' ? stored : now);
    const nextTat = tat + cost * interval;
    const write = () => this.#gcraWrite(stateKey, nextTat, now);
    if (nextTat - now <= tolerance) {
      return {
        allowed: true,
        remaining: Math.max(0, Math.floor((tolerance - (nextTat - now)) / interval)),
        resetMs: duration(nextTat - now),
        retryAfterMs: 0,
        write,
      };
    }
    return {
      allowed: false,
      remaining: Math.max(0, Math.floor((tolerance - (tat - now)) / interval)),
      resetMs: duration(tat - now),
      retryAfterMs: Math.max(1, duration(nextTat - now - profile.burst * interval)),
      write,
    };
  }
}

function slidingReset(
  start: number,
  windowMs: number,
  current: number,
  previous: number,
  now: number,
): number {
  if (current > 0) return duration(start + 2 * windowMs - now);
  if (previous > 0) return duration(start + windowMs - now);
  return 0;
}

// Burst capacity in ms plus the slack that absorbs float rounding (see the Lua script).
function gcraTolerance(profile: LimitProfile): number {
  const interval = profile.windowMs / profile.limit;
  return profile.burst * interval + Math.min(interval / 4, Math.max(interval / 1000, 0.001));
}
