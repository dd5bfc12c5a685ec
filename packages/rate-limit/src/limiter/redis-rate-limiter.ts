import {
  ConfigError,
  type ConfigIssue,
  CrossSlotError,
  type HealthCheck,
  type HealthContext,
  type RateLimitMessage,
  redgridChannel,
  TypedEmitter,
} from '@redgrid/core';
import {
  type DegradationSnapshot,
  deleteByPrefix,
  evaluateScript,
  isStoreFailure,
  type MemoryStore,
  type ScriptEvaluator,
} from '@redgrid/fallback';
import type { CheckMode, LimitCheck } from '../algorithm/limit-check.js';
import type { RateLimitAlgorithm } from '../algorithm/rate-limit-algorithm.js';
import { TIME_EPOCH_MS } from '../algorithm/time-epoch.js';
import { BlockCache } from '../block-cache/block-cache.js';
import { storageKeys } from '../keys/storage-keys.js';
import { FailureFallback } from '../policy/failure-fallback.js';
import type { FailurePolicy } from '../policy/failure-policy.js';
import type { MultiRateLimitResult, RateLimitResult } from '../result/rate-limit-result.js';
import { RedisCheckEngine } from '../scripts/redis-check-engine.js';
import {
  memoryWindowDecrement,
  memoryWindowGet,
  parseWindowReply,
  WINDOW_DECREMENT_SCRIPT,
  WINDOW_GET_SCRIPT,
  type WindowCount,
  type WindowState,
} from '../window/window-count.js';
import {
  checkKey,
  checkProfileFields,
  isPositiveInteger,
  MAX_LIMIT,
  throwIfAny,
} from './limit-validation.js';
import {
  cachedGroup,
  type Decided,
  missingOutcome,
  rememberRejections,
  toMultiResult,
  toResult,
} from './limiter-results.js';
import { ProfileResolver } from './profile-resolver.js';
import type {
  RateLimiter,
  RateLimiterEvents,
  RateLimiterStats,
  WindowOptions,
} from './rate-limiter.js';
import type {
  CheckOptions,
  LimitOverride,
  LimitRequest,
  RateLimiterOptions,
} from './rate-limiter-options.js';

const DEFAULT_PREFIX = 'rl:';
const DEFAULT_BLOCK_CACHE_ENTRIES = 10_000;
const DEFAULT_MAX_BATCH = 64;
// Script calls in flight before further checks wait to join a batch (see RedisCheckEngine).
const MAX_IN_FLIGHT = 4;
const rateLimitChannel = redgridChannel('redgrid:rate-limit');

// The clock of the in-memory states: ms since TIME_EPOCH_MS, as MemoryCheckEngine keeps them.
function memoryNow(): number {
  return Date.now() - TIME_EPOCH_MS;
}

/**
 * The limiter `createRateLimiter` returns: checks go to Redis through a batching
 * {@link RedisCheckEngine}; store failures go to the {@link FailureFallback}; profiles come from a
 * {@link ProfileResolver}; rejections are remembered by an optional {@link BlockCache}.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly windowMs: number;
  readonly failurePolicy: FailurePolicy;
  readonly #options: RateLimiterOptions;
  readonly #prefix: string;
  readonly #profiles: ProfileResolver;
  readonly #redis: RedisCheckEngine;
  readonly #client: RateLimiterOptions['connection']['client'];
  readonly #blockCache: BlockCache | undefined;
  readonly #events = new TypedEmitter<RateLimiterEvents>({ name: 'a rate limiter' });
  readonly #fallback: FailureFallback;
  #redisCount = 0;

  constructor(options: RateLimiterOptions) {
    this.#options = options;
    this.algorithm = options.algorithm;
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.failurePolicy = options.failurePolicy ?? 'memory';
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#profiles = new ProfileResolver(options);
    this.#client = options.connection.client;
    this.#redis = new RedisCheckEngine(this.#client, {
      coalesce: options.coalesce ?? true,
      maxBatch: options.maxBatchSize ?? DEFAULT_MAX_BATCH,
      maxInFlight: MAX_IN_FLIGHT,
    });
    const blockCache = options.blockCache;
    if (blockCache !== undefined && blockCache !== false) {
      const maxEntries =
        blockCache === true
          ? DEFAULT_BLOCK_CACHE_ENTRIES
          : (blockCache.maxEntries ?? DEFAULT_BLOCK_CACHE_ENTRIES);
      this.#blockCache = new BlockCache(maxEntries);
    }
    this.#fallback = new FailureFallback(this.failurePolicy, options.memory, this.#events, {
      component: 'rate-limit',
      name: this.#prefix,
    });
  }

  check(key: string, options?: CheckOptions): Promise<RateLimitResult> {
    return this.#single('consume', key, options, undefined);
  }

  checkRateLimit(
    key: string,
    limits: CheckOptions & { limit: number; windowMs: number },
    identifier?: string,
  ): Promise<RateLimitResult> {
    return this.check(identifier === undefined ? key : `${key}:${identifier}`, limits);
  }

  peek(key: string, options?: CheckOptions): Promise<RateLimitResult> {
    return this.#single('dry-run', key, options, undefined);
  }

  refund(key: string, amount = 1, options?: CheckOptions): Promise<RateLimitResult> {
    return this.#single('refund', key, options, amount);
  }

  async checkAll(limits: readonly LimitRequest[]): Promise<MultiRateLimitResult> {
    const issues: ConfigIssue[] = [];
    if (!Array.isArray(limits) || limits.length === 0) {
      issues.push({
        variable: 'limits',
        message: 'must be a non-empty array of limits',
      });
    } else {
      limits.forEach((request, index) => {
        checkKey(request.key, `limits[${index}].key`, issues);
        checkProfileFields(request, `limits[${index}]`, issues);
      });
    }
    throwIfAny(issues);
    const group: LimitCheck[] = [];
    let tag: string | undefined;
    const stateKeys = new Set<string>();
    for (const [index, request] of limits.entries()) {
      const algorithm = request.algorithm ?? this.algorithm;
      const override = this.#options.limitFor
        ? await this.#options.limitFor(request.key)
        : undefined;
      const profile = this.#profiles.resolve(algorithm, override, request, `limits[${index}]`);
      const keys = storageKeys(this.#prefix, algorithm, request.key);
      if (tag === undefined) tag = keys.tag;
      else if (keys.tag !== tag) {
        throw new CrossSlotError({
          keys: limits.map((entry) => entry.key),
          message: `checkAll keys must share one hash tag so that all limits are decided in one atomic script run (e.g. "{user:42}:second" and "{user:42}:hour"); got ${limits.map((entry) => JSON.stringify(entry.key)).join(', ')}`,
        });
      }
      if (stateKeys.has(keys.stateKey)) {
        throw new ConfigError([
          {
            variable: `limits[${index}].key`,
            message: `"${request.key}" is already checked with the same algorithm in this call; give each limit its own key, e.g. "{user:42}:second" and "{user:42}:hour"`,
          },
        ]);
      }
      stateKeys.add(keys.stateKey);
      const cost = request.cost ?? 1;
      this.#profiles.checkCost(cost, profile, `limits[${index}].cost`);
      group.push({
        profile,
        stateKey: keys.stateKey,
        blockKey: keys.blockKey,
        cost,
      });
    }
    const blockCache = this.#blockCache;
    if (blockCache) {
      const cached = cachedGroup(blockCache, group);
      if (cached) return cached;
    }
    return this.#decide('consume', group, tag ?? '', (decided) => {
      if (blockCache) rememberRejections(blockCache, decided);
      return toMultiResult(decided);
    });
  }

  async reset(key: string, options?: { algorithm?: RateLimitAlgorithm }): Promise<void> {
    const issues: ConfigIssue[] = [];
    checkKey(key, 'key', issues);
    checkProfileFields({ algorithm: options?.algorithm }, 'options', issues);
    throwIfAny(issues);
    const keys = storageKeys(this.#prefix, options?.algorithm ?? this.algorithm, key);
    this.#blockCache?.delete(keys.stateKey);
    const memory = this.#fallback.memoryStore;
    if (memory) {
      memory.delete(keys.stateKey);
      memory.delete(keys.blockKey);
    }
    await this.#client.del(keys.stateKey, keys.blockKey);
  }

  async getWindow(key: string, options?: WindowOptions): Promise<WindowCount | undefined> {
    const { stateKey } = this.#window(key, options);
    const state = await this.#windowCall(
      () =>
        evaluateScript(this.#scripts(), WINDOW_GET_SCRIPT, [stateKey], []).then(parseWindowReply),
      (store) => memoryWindowGet(store, stateKey, memoryNow()),
      undefined,
    );
    return state.value === undefined ? undefined : { ...state.value, degraded: state.degraded };
  }

  async decrement(
    key: string,
    options?: WindowOptions & { amount?: number },
  ): Promise<WindowCount> {
    const { stateKey, windowMs } = this.#window(key, options);
    const amount = options?.amount ?? 1;
    if (!isPositiveInteger(amount, MAX_LIMIT)) {
      throw new ConfigError([
        {
          variable: 'options.amount',
          message: `must be a positive integer, got ${String(amount)}`,
        },
      ]);
    }
    this.#blockCache?.delete(stateKey);
    const state = await this.#windowCall(
      () =>
        evaluateScript(
          this.#scripts(),
          WINDOW_DECREMENT_SCRIPT,
          [stateKey],
          [windowMs, amount],
        ).then((reply) => parseWindowReply(reply) ?? { used: 0, resetMs: windowMs }),
      (store) => memoryWindowDecrement(store, stateKey, windowMs, amount, memoryNow()),
      { used: 0, resetMs: 0 },
    );
    return { ...state.value, degraded: state.degraded };
  }

  async resetAll(): Promise<number> {
    if (this.#prefix.length === 0) {
      throw new ConfigError([
        {
          variable: 'options.prefix',
          message:
            'resetAll() deletes every key under the prefix: give the limiter a non-empty prefix',
        },
      ]);
    }
    this.#blockCache?.clear();
    this.#fallback.memoryStore?.deleteByPrefix(this.#prefix);
    return deleteByPrefix(this.#client, this.#prefix);
  }

  on<E extends keyof RateLimiterEvents>(event: E, listener: RateLimiterEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  stats(): RateLimiterStats {
    return {
      degraded: this.#fallback.degraded,
      redis: this.#redisCount,
      ...this.#fallback.counts,
      outages: this.#fallback.outages,
      blockCacheHits: this.#blockCache?.hits ?? 0,
    };
  }

  degradation(): DegradationSnapshot {
    return this.#fallback.snapshot();
  }

  healthCheck(name: string, context: HealthContext): HealthCheck {
    const { redis, memory, open, closed } = this.stats();
    return this.#fallback.healthCheck(name, context, {
      redis,
      memory,
      open,
      closed,
      failurePolicy: this.failurePolicy,
    });
  }

  dispose(): void {
    this.#blockCache?.clear();
    this.#fallback.dispose();
    this.#events.clear();
  }

  // --- one key ---------------------------------------------------------------------------

  #single(
    mode: CheckMode,
    key: string,
    options: CheckOptions | undefined,
    refundAmount: number | undefined,
  ): Promise<RateLimitResult> {
    try {
      const limitFor = this.#options.limitFor;
      if (limitFor === undefined) {
        return this.#singleWith(mode, key, options, undefined, refundAmount);
      }
      if (typeof key !== 'string' || key.length === 0) {
        throw new ConfigError([{ variable: 'key', message: 'must be a non-empty string' }]);
      }
      return Promise.resolve(limitFor(key)).then((override) =>
        this.#singleWith(mode, key, options, override, refundAmount),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #singleWith(
    mode: CheckMode,
    key: string,
    options: CheckOptions | undefined,
    override: LimitOverride | undefined,
    refundAmount: number | undefined,
  ): Promise<RateLimitResult> {
    if (typeof key !== 'string' || key.length === 0) {
      throw new ConfigError([{ variable: 'key', message: 'must be a non-empty string' }]);
    }
    const profile =
      options === undefined && override === undefined
        ? this.#profiles.profile
        : this.#profiles.resolve(this.algorithm, override, options, 'options');
    const cost = refundAmount ?? options?.cost ?? 1;
    if (refundAmount === undefined) this.#profiles.checkCost(cost, profile, 'options.cost');
    else if (!isPositiveInteger(refundAmount, MAX_LIMIT)) {
      throw new ConfigError([
        {
          variable: 'amount',
          message: `must be a positive integer, got ${String(refundAmount)}`,
        },
      ]);
    }
    const keys = storageKeys(this.#prefix, profile.algorithm, key);
    const check: LimitCheck = {
      profile,
      stateKey: keys.stateKey,
      blockKey: keys.blockKey,
      cost,
    };
    const blockCache = this.#blockCache;
    if (blockCache) {
      if (mode === 'consume') {
        const cached = blockCache.get(keys.stateKey, cost);
        if (cached) {
          if (rateLimitChannel.hasSubscribers) this.#publish([check], false, 'redis');
          return Promise.resolve({
            allowed: false,
            limit: cached.limit,
            remaining: 0,
            resetMs: cached.resetMs,
            retryAfterMs: cached.retryAfterMs,
            degraded: false,
          });
        }
      } else if (mode === 'refund') {
        blockCache.delete(keys.stateKey);
      }
    }
    return this.#decide(mode, [check], keys.tag, (decided) => {
      if (mode === 'consume' && blockCache) rememberRejections(blockCache, decided);
      const limit = decided.outcome.limits[0];
      const applied = decided.group[0]?.profile;
      if (limit === undefined || applied === undefined) throw missingOutcome();
      return toResult(limit, applied, decided.degraded);
    });
  }

  // --- deciding, with the failure policy ------------------------------------------------

  // `finish` turns the decision into what the caller returns, in the same promise step (one
  // promise per check fewer on the hot path).
  #decide<T>(
    mode: CheckMode,
    group: readonly LimitCheck[],
    tag: string,
    finish: (decided: Decided) => T,
  ): Promise<T> {
    return this.#redis.evaluate(mode, group, tag).then(
      (outcome) => {
        if (!outcome.ok) throw outcome.error;
        this.#redisCount++;
        this.#fallback.succeeded();
        if (mode === 'consume' && rateLimitChannel.hasSubscribers) {
          this.#publish(group, outcome.allowed, 'redis');
        }
        return finish({ outcome, group, degraded: false });
      },
      (error: unknown) => {
        if (!isStoreFailure(error)) throw error;
        const decided = this.#fallback.decide(mode, group, error);
        if (mode === 'consume' && rateLimitChannel.hasSubscribers) {
          this.#publish(group, decided.outcome.allowed, this.failurePolicy);
        }
        return finish(decided);
      },
    );
  }

  /** One decision on `redgrid:rate-limit` (what @redgrid/observability counts). */
  #publish(
    group: readonly LimitCheck[],
    allowed: boolean,
    decidedBy: RateLimitMessage['decidedBy'],
  ): void {
    rateLimitChannel.publish({
      limiter: this.#prefix,
      algorithm: group[0]?.profile.algorithm ?? this.algorithm,
      allowed,
      decidedBy,
    } satisfies RateLimitMessage);
  }

  // --- fixed-window counts ---------------------------------------------------------------

  #window(key: string, options: WindowOptions | undefined): { stateKey: string; windowMs: number } {
    const issues: ConfigIssue[] = [];
    checkKey(key, 'key', issues);
    if (options?.windowMs !== undefined) {
      checkProfileFields({ windowMs: options.windowMs }, 'options', issues);
    }
    if (this.algorithm !== 'fixed-window') {
      issues.push({
        variable: 'algorithm',
        message: `getWindow() and decrement() count fixed windows: create the limiter with algorithm 'fixed-window', got '${this.algorithm}'`,
      });
    }
    throwIfAny(issues);
    return {
      stateKey: storageKeys(this.#prefix, 'fixed-window', key).stateKey,
      windowMs: options?.windowMs ?? this.windowMs,
    };
  }

  #scripts(): ScriptEvaluator {
    return this.#client as unknown as ScriptEvaluator;
  }

  #windowCall<T extends WindowState | undefined>(
    redis: () => Promise<T>,
    memory: (store: MemoryStore) => T,
    uncounted: T,
  ): Promise<{ value: T; degraded: boolean }> {
    return redis().then(
      (value) => {
        this.#redisCount++;
        this.#fallback.succeeded();
        return { value, degraded: false };
      },
      (error: unknown) => {
        if (!isStoreFailure(error)) throw error;
        return { value: this.#fallback.answer(error, memory, uncounted), degraded: true };
      },
    );
  }
}
