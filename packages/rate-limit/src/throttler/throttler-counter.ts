import { CircuitOpenError, ConfigError, type ConfigIssue } from '@redgrid/core';
import {
  DegradationTracker,
  evaluateScript,
  isStoreFailure,
  luaScript,
  MemoryStore,
  type ScriptEvaluator,
} from '@redgrid/fallback';
import { RateLimitScriptError } from '../errors/rate-limit-script-error.js';
import { connectionOptionIssues, storeOptionIssues } from '../limiter/limit-validation.js';
import type { RateLimitConnection } from '../limiter/rate-limiter-options.js';
import type { FailurePolicy, MemoryFallbackOptions } from '../policy/failure-policy.js';
import { throttlerKeys } from './throttler-keys.js';
import { THROTTLER_LUA } from './throttler-lua.js';
import {
  decideThrottlerHit,
  type ThrottlerHitParameters,
  type ThrottlerRecord,
} from './throttler-memory.js';

/** One hit of {@link ThrottlerCounter.hit}: `@nestjs/throttler`'s `increment` arguments, in ms. */
export interface ThrottlerHitOptions {
  /** How long each hit counts, in ms (throttler's `ttl`). Fractions of a ms are rounded up. */
  ttlMs: number;
  /** Hits allowed within `ttlMs` (0 refuses every hit). */
  limit: number;
  /**
   * How long a key that went over the limit is refused, in ms (throttler's `blockDuration`).
   * 0 or less: no block, a hit over the limit is refused until the oldest counted hit expires.
   */
  blockDurationMs: number;
  /** Throttler name: each name counts its own hits of the key. Default `'default'`. */
  name?: string;
}

/** What {@link ThrottlerCounter.hit} decided. Durations in ms, whole. */
export interface ThrottlerHit {
  /** Hits counted for the name, this one included (one more than counted when refused without a block). */
  readonly totalHits: number;
  /** Until the key's reported window ends (throttler's reset header, in ms). */
  readonly timeToExpireMs: number;
  /** True when the hit must be refused. */
  readonly isBlocked: boolean;
  /** Until a refused key may pass again; 0 when not blocked. */
  readonly timeToBlockExpireMs: number;
  /** The clock the decision was made at: Redis `TIME`, or `Date.now()` when degraded. */
  readonly decidedAtMs: number;
  /** True when Redis could not answer and the failure policy decided (see `FailurePolicy`). */
  readonly degraded: boolean;
}

/** Options of {@link createThrottlerCounter}. */
export interface ThrottlerCounterOptions {
  /** Where the hits live: a `RedisConnection` (or any `{ client }` of ioredis). */
  connection: RateLimitConnection;
  /** Start of every Redis key the counter writes; no braces. Default `'rl:'`. */
  prefix?: string;
  /** What to answer while Redis cannot. Default `memory`. See {@link FailurePolicy}. */
  failurePolicy?: FailurePolicy;
  /** Options of the `memory` policy (bounds, limit per instance). */
  memory?: MemoryFallbackOptions;
}

/** Counters of a {@link ThrottlerCounter}, for metrics and health checks. */
export interface ThrottlerCounterStats {
  /** True from a store failure until Redis answers again. */
  readonly degraded: boolean;
  /** Hits decided by Redis. */
  readonly redis: number;
  /** Hits decided in memory (`memory` policy). */
  readonly memory: number;
  /** Hits let through uncounted (`open` policy). */
  readonly open: number;
  /** Hits refused uncounted (`closed` policy). */
  readonly closed: number;
  /** Times the counter became degraded. */
  readonly outages: number;
}

/**
 * Counts hits the way `@nestjs/throttler`'s in-memory storage does, in Redis: each hit counts
 * for `ttlMs` after it was made; over the limit a key is blocked for `blockDurationMs`, and the
 * first hit after the block starts the count again; the reported window (`timeToExpireMs`)
 * starts at a key's first hit and restarts at the first hit after it ended. Created by
 * {@link createThrottlerCounter}; `RedisThrottlerStorage` of `@redgrid/nestjs` is built on it.
 */
export interface ThrottlerCounter {
  /** Counts one hit of `key` (non-empty) and says whether to refuse it. */
  hit(key: string, options: ThrottlerHitOptions): Promise<ThrottlerHit>;
  /** Counters, for metrics and health checks. */
  stats(): ThrottlerCounterStats;
  /** Releases the in-memory fallback (if the counter created it). Does not close the connection. */
  dispose(): void;
}

// Loaded like every RedGrid script (`evaluateScript` of @redgrid/fallback): EVALSHA, and EVAL
// on NOSCRIPT to the node that answered it.
const THROTTLER_SCRIPT = luaScript(THROTTLER_LUA);
const DEFAULT_PREFIX = 'rl:';
const DEFAULT_NAME = 'default';
const DEFAULT_MEMORY_ENTRIES = 100_000;
const DEFAULT_MEMORY_BYTES = 16 * 1024 * 1024;
// What `closed` answers as the time to wait when the error does not say when Redis may be back.
const CLOSED_RETRY_AFTER_MS = 1_000;
const MAX_DURATION_MS = 10 * 365 * 24 * 3_600_000;

function checkDuration(value: unknown, variable: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value > MAX_DURATION_MS) {
    issues.push({
      variable,
      message: `must be a finite number of ms up to ${MAX_DURATION_MS}, got ${String(value)}`,
    });
  }
}

function parameters(key: string, options: ThrottlerHitOptions): ThrottlerHitParameters {
  const issues: ConfigIssue[] = [];
  if (typeof key !== 'string' || key.length === 0) {
    issues.push({ variable: 'key', message: 'must be a non-empty string' });
  }
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([
      { variable: 'options', message: 'must be { ttlMs, limit, blockDurationMs, name? }' },
    ]);
  }
  checkDuration(options.ttlMs, 'options.ttlMs', issues);
  if (typeof options.ttlMs === 'number' && options.ttlMs < 0) {
    issues.push({ variable: 'options.ttlMs', message: `must be >= 0, got ${options.ttlMs}` });
  }
  checkDuration(options.blockDurationMs, 'options.blockDurationMs', issues);
  const { limit } = options;
  if (typeof limit !== 'number' || !Number.isFinite(limit) || limit < 0) {
    issues.push({
      variable: 'options.limit',
      message: `must be a finite number >= 0, got ${String(limit)}`,
    });
  }
  const name = options.name ?? DEFAULT_NAME;
  if (typeof name !== 'string') {
    issues.push({ variable: 'options.name', message: `must be a string, got ${String(name)}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  // Whole ms: with whole-ms clocks, rounding up changes no comparison and no rounded second.
  return {
    name,
    ttlMs: Math.ceil(options.ttlMs),
    limit,
    blockMs: Math.max(0, Math.ceil(options.blockDurationMs)),
  };
}

function toNumber(value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) {
    throw new RateLimitScriptError(`the throttler script replied ${String(value)}`);
  }
  return number;
}

class RedisThrottlerCounter implements ThrottlerCounter {
  readonly #client: ScriptEvaluator;
  readonly #prefix: string;
  readonly #policy: FailurePolicy;
  readonly #memoryOptions: MemoryFallbackOptions | undefined;
  #memory: MemoryStore | undefined;
  #ownsMemory = false;
  readonly #degradation: DegradationTracker;
  #stats = { redis: 0, memory: 0, open: 0, closed: 0 };

  constructor(options: ThrottlerCounterOptions) {
    this.#client = options.connection.client as unknown as ScriptEvaluator;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#degradation = new DegradationTracker({
      name: 'a throttler counter',
      observedAs: { component: 'throttler', name: this.#prefix },
    });
    this.#policy = options.failurePolicy ?? 'memory';
    this.#memoryOptions = options.memory;
  }

  async hit(key: string, options: ThrottlerHitOptions): Promise<ThrottlerHit> {
    const hit = parameters(key, options);
    const { recordKey, hitsKey } = throttlerKeys(this.#prefix, key, hit.name);
    let reply: unknown;
    try {
      reply = await evaluateScript(
        this.#client,
        THROTTLER_SCRIPT,
        [recordKey, hitsKey],
        [hit.ttlMs, hit.limit, hit.blockMs],
      );
    } catch (error) {
      if (!isStoreFailure(error)) throw error;
      return this.#fallback(recordKey, hit, error);
    }
    if (!Array.isArray(reply) || reply.length !== 5) {
      throw new RateLimitScriptError(`the throttler script replied ${JSON.stringify(reply)}`);
    }
    this.#stats.redis++;
    if (this.#degradation.degraded && this.#degradation.recover() !== undefined) {
      // Hits counted in memory during the outage were this instance's alone: drop them.
      this.#memory?.clear();
    }
    return {
      totalHits: toNumber(reply[0]),
      timeToExpireMs: toNumber(reply[1]),
      isBlocked: toNumber(reply[2]) === 1,
      timeToBlockExpireMs: toNumber(reply[3]),
      decidedAtMs: toNumber(reply[4]),
      degraded: false,
    };
  }

  stats(): ThrottlerCounterStats {
    return {
      degraded: this.#degradation.degraded,
      ...this.#stats,
      outages: this.#degradation.outages,
    };
  }

  dispose(): void {
    if (this.#memory && this.#ownsMemory) this.#memory.dispose();
    this.#memory = undefined;
  }

  #fallback(recordKey: string, hit: ThrottlerHitParameters, error: unknown): ThrottlerHit {
    this.#degradation.fail(error);
    const nowMs = Date.now();
    if (this.#policy === 'open' || this.#policy === 'closed') {
      const open = this.#policy === 'open';
      this.#stats[open ? 'open' : 'closed']++;
      const waitMs =
        CircuitOpenError.isInstance(error) && error.retryAfterMs > 0
          ? error.retryAfterMs
          : CLOSED_RETRY_AFTER_MS;
      return {
        totalHits: open ? 0 : hit.limit + 1,
        timeToExpireMs: hit.ttlMs,
        isBlocked: !open,
        timeToBlockExpireMs: open ? 0 : Math.max(waitMs, hit.blockMs),
        decidedAtMs: nowMs,
        degraded: true,
      };
    }
    this.#stats.memory++;
    const store = this.#memoryStore();
    const instances = this.#memoryOptions?.expectedInstances ?? 1;
    const limit =
      instances > 1 && hit.limit > 0 ? Math.max(1, Math.floor(hit.limit / instances)) : hit.limit;
    const stored = store.get(recordKey);
    const { decision, record, keepMs } = decideThrottlerHit(
      isRecord(stored) ? stored : undefined,
      nowMs,
      { ...hit, limit },
    );
    store.set(recordKey, record, { ttlMs: keepMs });
    return {
      totalHits: decision.totalHits,
      timeToExpireMs: decision.timeToExpireMs,
      isBlocked: decision.blocked,
      timeToBlockExpireMs: decision.timeToBlockExpireMs,
      decidedAtMs: nowMs,
      degraded: true,
    };
  }

  #memoryStore(): MemoryStore {
    if (this.#memory === undefined) {
      const options = this.#memoryOptions;
      if (options?.store !== undefined) {
        this.#memory = options.store;
      } else {
        this.#memory = new MemoryStore({
          maxEntries: options?.maxEntries ?? DEFAULT_MEMORY_ENTRIES,
          maxBytes: options?.maxBytes ?? DEFAULT_MEMORY_BYTES,
        });
        this.#ownsMemory = true;
      }
    }
    return this.#memory;
  }
}

function isRecord(value: unknown): value is ThrottlerRecord {
  return (
    typeof value === 'object' && value !== null && (value as ThrottlerRecord).hits instanceof Map
  );
}

/**
 * Creates a {@link ThrottlerCounter}: `@nestjs/throttler`'s counting contract (the in-memory
 * `ThrottlerStorageService` of throttler 6.7: same hits, same block, same reset) in Redis, shared
 * by every instance, one atomic script per hit with the server's clock, cluster-safe (both keys
 * of a hit share a hash tag). While Redis cannot answer, the failure policy decides (default
 * `memory`: the same algorithm in this process). Throws a `ConfigError` for invalid options.
 *
 * @example
 * const counter = createThrottlerCounter({ connection });
 * const hit = await counter.hit(`login:${ip}`, { ttlMs: 60_000, limit: 5, blockDurationMs: 300_000 });
 * if (hit.isBlocked) reply.status(429).header('Retry-After', Math.ceil(hit.timeToBlockExpireMs / 1000));
 */
export function createThrottlerCounter(options: ThrottlerCounterOptions): ThrottlerCounter {
  const issues = connectionOptionIssues(options);
  issues.push(...storeOptionIssues(options));
  if (issues.length > 0) throw new ConfigError(issues);
  return new RedisThrottlerCounter(options);
}
