import {
  CircuitOpenError,
  ConfigError,
  type ConfigIssue,
  CrossSlotError,
  TypedEmitter,
} from '@redgrid/core';
import {
  type DegradationSnapshot,
  DegradationTracker,
  isStoreFailure,
  MemoryStore,
} from '@redgrid/fallback';
import type {
  CheckMode,
  GroupOutcome,
  LimitCheck,
  LimitOutcome,
  LimitProfile,
} from '../algorithm/limit-check.js';
import {
  isRateLimitAlgorithm,
  type RateLimitAlgorithm,
} from '../algorithm/rate-limit-algorithm.js';
import { BlockCache } from '../block-cache/block-cache.js';
import { storageKeys } from '../keys/storage-keys.js';
import { MemoryCheckEngine } from '../memory/memory-check-engine.js';
import type { FailurePolicy } from '../policy/failure-policy.js';
import type { MultiRateLimitResult, RateLimitResult } from '../result/rate-limit-result.js';
import { RedisCheckEngine } from '../scripts/redis-check-engine.js';
import type { RateLimiter, RateLimiterEvents, RateLimiterStats } from './rate-limiter.js';
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
const DEFAULT_MEMORY_ENTRIES = 100_000;
const MAX_SHARED_PROFILES = 1_024;
const DEFAULT_MEMORY_BYTES = 16 * 1024 * 1024;
// What `closed` answers as retryAfterMs when the error does not say when Redis may be back.
const CLOSED_RETRY_AFTER_MS = 1_000;
// Bounds that keep every number exact in Lua doubles and in Redis integer replies.
const MAX_LIMIT = 1_000_000_000;
const MAX_WINDOW_MS = 10 * 365 * 24 * 3_600_000;

function isPositiveInteger(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max;
}

function checkProfileFields(
  fields: LimitOverride & { algorithm?: unknown; cost?: unknown },
  path: string,
  issues: ConfigIssue[],
): void {
  if (fields.algorithm !== undefined && !isRateLimitAlgorithm(fields.algorithm)) {
    issues.push({
      variable: `${path}.algorithm`,
      message: `must be 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket' or 'gcra', got ${String(fields.algorithm)}`,
    });
  }
  if (fields.limit !== undefined && !isPositiveInteger(fields.limit, MAX_LIMIT)) {
    issues.push({
      variable: `${path}.limit`,
      message: `must be an integer from 1 to ${MAX_LIMIT}, got ${String(fields.limit)}`,
    });
  }
  if (fields.windowMs !== undefined && !isPositiveInteger(fields.windowMs, MAX_WINDOW_MS)) {
    issues.push({
      variable: `${path}.windowMs`,
      message: `must be an integer number of ms from 1 to ${MAX_WINDOW_MS}, got ${String(fields.windowMs)}`,
    });
  }
  if (fields.burst !== undefined && !isPositiveInteger(fields.burst, MAX_LIMIT)) {
    issues.push({
      variable: `${path}.burst`,
      message: `must be an integer from 1 to ${MAX_LIMIT}, got ${String(fields.burst)}`,
    });
  }
  const block = fields.blockDurationMs;
  if (block !== undefined && !(block === 0 || isPositiveInteger(block, MAX_WINDOW_MS))) {
    issues.push({
      variable: `${path}.blockDurationMs`,
      message: `must be 0 (no block) or an integer number of ms up to ${MAX_WINDOW_MS}, got ${String(block)}`,
    });
  }
  if (fields.cost !== undefined && !isPositiveInteger(fields.cost, MAX_LIMIT)) {
    issues.push({
      variable: `${path}.cost`,
      message: `must be a positive integer, got ${String(fields.cost)}`,
    });
  }
}

function checkKey(key: unknown, variable: string, issues: ConfigIssue[]): void {
  if (typeof key !== 'string' || key.length === 0) {
    issues.push({ variable, message: 'must be a non-empty string' });
  }
}

function throwIfAny(issues: ConfigIssue[]): void {
  if (issues.length > 0) throw new ConfigError(issues);
}

function makeProfile(
  algorithm: RateLimitAlgorithm,
  limit: number,
  windowMs: number,
  burst: number | undefined,
  blockMs: number,
): LimitProfile {
  const capacity = algorithm === 'token-bucket' || algorithm === 'gcra' ? (burst ?? limit) : limit;
  return Object.freeze({
    algorithm,
    limit,
    windowMs,
    burst: capacity,
    blockMs,
  });
}

interface Decided {
  outcome: Extract<GroupOutcome, { ok: true }>;
  /** The checks as decided: in memory, with the limits divided per instance. */
  group: readonly LimitCheck[];
  degraded: boolean;
}

class RedisRateLimiter implements RateLimiter {
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly windowMs: number;
  readonly failurePolicy: FailurePolicy;
  readonly #options: RateLimiterOptions;
  readonly #prefix: string;
  readonly #profile: LimitProfile;
  readonly #redis: RedisCheckEngine;
  readonly #client: RateLimiterOptions['connection']['client'];
  readonly #blockCache: BlockCache | undefined;
  readonly #expectedInstances: number;
  readonly #memoryProfiles = new WeakMap<LimitProfile, LimitProfile>();
  readonly #profiles = new Map<string, LimitProfile>();
  readonly #events = new TypedEmitter<RateLimiterEvents>({ name: 'a rate limiter' });
  #memory: MemoryCheckEngine | undefined;
  #ownsMemory = false;
  readonly #degradation = new DegradationTracker({ name: 'a rate limiter' });
  #stats = { redis: 0, memory: 0, open: 0, closed: 0 };

  constructor(options: RateLimiterOptions) {
    this.#options = options;
    this.algorithm = options.algorithm;
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.failurePolicy = options.failurePolicy ?? 'memory';
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#profile = makeProfile(
      options.algorithm,
      options.limit,
      options.windowMs,
      options.burst,
      options.blockDurationMs ?? 0,
    );
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
    this.#expectedInstances = options.memory?.expectedInstances ?? 1;
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
      const profile = this.#profileFor(algorithm, override, request, `limits[${index}]`);
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
      this.#checkCost(cost, profile, `limits[${index}].cost`);
      group.push({
        profile,
        stateKey: keys.stateKey,
        blockKey: keys.blockKey,
        cost,
      });
    }
    if (this.#blockCache) {
      const cached = this.#cachedGroup(group);
      if (cached) return cached;
    }
    return this.#decide('consume', group, tag ?? '', (decided) => {
      this.#remember(decided);
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
    if (this.#memory) {
      this.#memory.store.delete(keys.stateKey);
      this.#memory.store.delete(keys.blockKey);
    }
    await this.#client.del(keys.stateKey, keys.blockKey);
  }

  on<E extends keyof RateLimiterEvents>(event: E, listener: RateLimiterEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  stats(): RateLimiterStats {
    return {
      degraded: this.#degradation.degraded,
      ...this.#stats,
      outages: this.#degradation.outages,
      blockCacheHits: this.#blockCache?.hits ?? 0,
    };
  }

  dispose(): void {
    this.#blockCache?.clear();
    if (this.#memory && this.#ownsMemory) this.#memory.store.dispose();
    this.#memory = undefined;
    this.#events.clear();
    this.#degradation.dispose();
  }

  degradation(): DegradationSnapshot {
    return this.#degradation.snapshot();
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
        ? this.#profile
        : this.#profileFor(this.algorithm, override, options, 'options');
    const cost = refundAmount ?? options?.cost ?? 1;
    if (refundAmount === undefined) this.#checkCost(cost, profile, 'options.cost');
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
      if (mode === 'consume' && blockCache) this.#remember(decided);
      const limit = decided.outcome.limits[0];
      const applied = decided.group[0]?.profile;
      if (limit === undefined || applied === undefined) throw missingOutcome();
      return toResult(limit, applied, decided.degraded);
    });
  }

  // --- profiles --------------------------------------------------------------------------

  #profileFor(
    algorithm: RateLimitAlgorithm,
    override: LimitOverride | undefined,
    options: (CheckOptions & { algorithm?: RateLimitAlgorithm }) | undefined,
    path: string,
  ): LimitProfile {
    const issues: ConfigIssue[] = [];
    if (override !== undefined) checkProfileFields(override, 'limitFor()', issues);
    if (options !== undefined) checkProfileFields(options, path, issues);
    throwIfAny(issues);
    const base = this.#options;
    const limit = options?.limit ?? override?.limit ?? base.limit;
    const windowMs = options?.windowMs ?? override?.windowMs ?? base.windowMs;
    const burst = options?.burst ?? override?.burst ?? base.burst;
    const blockMs =
      options?.blockDurationMs ?? override?.blockDurationMs ?? base.blockDurationMs ?? 0;
    const profile = this.#profile;
    if (
      algorithm === profile.algorithm &&
      limit === profile.limit &&
      windowMs === profile.windowMs &&
      blockMs === profile.blockMs &&
      (burst ?? limit) === profile.burst
    ) {
      return profile;
    }
    // Per-key limits make a profile per check; equal ones share an object, so that a batch
    // sends each distinct profile once. Bounded: cleared when full.
    const id = `${algorithm}|${limit}|${windowMs}|${burst ?? ''}|${blockMs}`;
    let shared = this.#profiles.get(id);
    if (shared === undefined) {
      if (this.#profiles.size >= MAX_SHARED_PROFILES) this.#profiles.clear();
      shared = makeProfile(algorithm, limit, windowMs, burst, blockMs);
      this.#profiles.set(id, shared);
    }
    return shared;
  }

  #checkCost(cost: number, profile: LimitProfile, variable: string): void {
    if (!isPositiveInteger(cost, MAX_LIMIT)) {
      throw new ConfigError([
        {
          variable,
          message: `must be a positive integer, got ${String(cost)}`,
        },
      ]);
    }
    if (cost > profile.burst) {
      throw new ConfigError([
        {
          variable,
          message: `${cost} exceeds the ${profile.algorithm === 'token-bucket' || profile.algorithm === 'gcra' ? 'burst' : 'limit'} (${profile.burst}), so it could never pass; raise the limit or split the request`,
        },
      ]);
    }
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
        this.#stats.redis++;
        if (this.#degradation.degraded) this.#recovered();
        return finish({ outcome, group, degraded: false });
      },
      (error: unknown) => {
        if (!isStoreFailure(error)) throw error;
        return finish(this.#fallback(mode, group, error));
      },
    );
  }

  #fallback(mode: CheckMode, group: readonly LimitCheck[], error: unknown): Decided {
    if (this.#degradation.fail(error)) {
      this.#events.emit('degraded', { error, policy: this.failurePolicy });
    }
    if (this.failurePolicy === 'open' || this.failurePolicy === 'closed') {
      const allowed = this.failurePolicy === 'open' || mode === 'refund';
      if (allowed) this.#stats.open++;
      else this.#stats.closed++;
      const retryAfterMs = allowed
        ? 0
        : CircuitOpenError.isInstance(error) && error.retryAfterMs > 0
          ? error.retryAfterMs
          : CLOSED_RETRY_AFTER_MS;
      const limits: LimitOutcome[] = group.map(({ profile }) => ({
        allowed,
        remaining: allowed ? profile.limit : 0,
        resetMs: retryAfterMs,
        retryAfterMs,
      }));
      return {
        outcome: { ok: true, allowed, limits },
        group,
        degraded: true,
      };
    }
    this.#stats.memory++;
    const memoryGroup = group.map((check) => ({
      ...check,
      profile: this.#memoryProfile(check.profile),
    }));
    const outcome = this.#memoryEngine().evaluate(mode, memoryGroup);
    if (!outcome.ok) throw outcome.error;
    return {
      outcome,
      group: memoryGroup,
      degraded: true,
    };
  }

  #memoryProfile(profile: LimitProfile): LimitProfile {
    if (this.#expectedInstances <= 1) return profile;
    let divided = this.#memoryProfiles.get(profile);
    if (divided === undefined) {
      const share = (value: number) => Math.max(1, Math.floor(value / this.#expectedInstances));
      divided = Object.freeze({
        ...profile,
        limit: share(profile.limit),
        burst: share(profile.burst),
      });
      this.#memoryProfiles.set(profile, divided);
    }
    return divided;
  }

  #memoryEngine(): MemoryCheckEngine {
    if (this.#memory === undefined) {
      const options = this.#options.memory;
      let store = options?.store;
      if (store === undefined) {
        store = new MemoryStore({
          maxEntries: options?.maxEntries ?? DEFAULT_MEMORY_ENTRIES,
          maxBytes: options?.maxBytes ?? DEFAULT_MEMORY_BYTES,
        });
        this.#ownsMemory = true;
      }
      this.#memory = new MemoryCheckEngine(store);
    }
    return this.#memory;
  }

  #recovered(): void {
    const ended = this.#degradation.recover();
    if (ended === undefined) return;
    // Counts kept in memory during the outage are this instance's alone: drop them.
    this.#memory?.store.clear();
    this.#events.emit('recovered', { outageMs: ended.outageMs });
  }

  // --- block cache -----------------------------------------------------------------------

  #cachedGroup(group: readonly LimitCheck[]): MultiRateLimitResult | undefined {
    const blockCache = this.#blockCache;
    if (!blockCache) return undefined;
    let hit = false;
    const limits: LimitOutcome[] = group.map((check) => {
      const cached = blockCache.get(check.stateKey, check.cost);
      if (cached === undefined) {
        return {
          allowed: true,
          remaining: check.profile.limit,
          resetMs: 0,
          retryAfterMs: 0,
        };
      }
      hit = true;
      return {
        allowed: false,
        remaining: 0,
        resetMs: cached.resetMs,
        retryAfterMs: cached.retryAfterMs,
      };
    });
    if (!hit) return undefined;
    // Limits not in the cache are unknown here: reported as untouched (nothing was consumed).
    return toMultiResult({
      outcome: { ok: true, allowed: false, limits },
      group,
      degraded: false,
    });
  }

  #remember(decided: Decided): void {
    const blockCache = this.#blockCache;
    if (!blockCache || decided.degraded || decided.outcome.allowed) return;
    decided.outcome.limits.forEach((limit, index) => {
      const check = decided.group[index];
      if (check && !limit.allowed) {
        blockCache.add(
          check.stateKey,
          check.cost,
          check.profile.limit,
          limit.retryAfterMs,
          limit.resetMs,
        );
      }
    });
  }
}

function missingOutcome(): Error {
  return new TypeError('rate-limit decision is missing a limit');
}

function toResult(limit: LimitOutcome, profile: LimitProfile, degraded: boolean): RateLimitResult {
  return {
    allowed: limit.allowed,
    limit: profile.limit,
    remaining: limit.remaining,
    resetMs: limit.resetMs,
    retryAfterMs: limit.allowed ? 0 : limit.retryAfterMs,
    degraded,
  };
}

function toMultiResult(decided: Decided): MultiRateLimitResult {
  const { outcome, group, degraded } = decided;
  const results = outcome.limits.map((limit, index) => {
    const profile = group[index]?.profile;
    if (profile === undefined) throw missingOutcome();
    return {
      allowed: limit.allowed,
      limit: profile.limit,
      remaining: limit.remaining,
      resetMs: limit.resetMs,
      retryAfterMs: limit.allowed ? 0 : limit.retryAfterMs,
      degraded,
    };
  });
  let tightest = results[0];
  let resetMs = 0;
  let retryAfterMs = 0;
  for (const result of results) {
    if (tightest === undefined || result.remaining < tightest.remaining) tightest = result;
    resetMs = Math.max(resetMs, result.resetMs);
    if (!result.allowed) retryAfterMs = Math.max(retryAfterMs, result.retryAfterMs);
  }
  if (tightest === undefined) throw missingOutcome();
  return {
    allowed: outcome.allowed,
    limit: tightest.limit,
    remaining: outcome.allowed ? tightest.remaining : 0,
    resetMs,
    retryAfterMs: outcome.allowed ? 0 : retryAfterMs,
    degraded,
    results,
  };
}

/**
 * Creates a rate limiter over Redis (single server, Sentinel or Cluster alike). Each check is
 * one atomic Lua script run on the node that owns the key, timed by that node's `TIME`, so any
 * number of processes share one exact limit. Checks issued in the same tick share a round
 * trip. Throws a `ConfigError` listing every invalid option.
 *
 * @example
 * const limiter = createRateLimiter({ connection, algorithm: 'sliding-window', limit: 100, windowMs: 60_000 });
 * const result = await limiter.check(`login:${ip}`);
 * if (!result.allowed && !result.degraded) reply.status(429).header('Retry-After', Math.ceil(result.retryAfterMs / 1000));
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const issues: ConfigIssue[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([{ variable: 'options', message: 'must be an object' }]);
  }
  const client = options.connection?.client as unknown;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof (client as { evalsha?: unknown }).evalsha !== 'function'
  ) {
    issues.push({
      variable: 'options.connection',
      message:
        'must be a RedisConnection from @redgrid/connection (or any object whose `client` is an ioredis Redis or Cluster)',
    });
  }
  if (!isRateLimitAlgorithm(options.algorithm)) {
    issues.push({
      variable: 'options.algorithm',
      message: `must be 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket' or 'gcra', got ${String(options.algorithm)}`,
    });
  }
  if (options.limit === undefined) {
    issues.push({
      variable: 'options.limit',
      message: 'is required (units allowed per window)',
    });
  }
  if (options.windowMs === undefined) {
    issues.push({
      variable: 'options.windowMs',
      message: 'is required (window length in ms)',
    });
  }
  checkProfileFields(
    {
      limit: options.limit,
      windowMs: options.windowMs,
      ...(options.burst === undefined ? {} : { burst: options.burst }),
      ...(options.blockDurationMs === undefined
        ? {}
        : { blockDurationMs: options.blockDurationMs }),
    },
    'options',
    issues,
  );
  const prefix = options.prefix;
  if (prefix !== undefined && (typeof prefix !== 'string' || /[{}]/.test(prefix))) {
    issues.push({
      variable: 'options.prefix',
      message: 'must be a string without braces (hash tags belong in keys, not in the prefix)',
    });
  }
  const policy = options.failurePolicy;
  if (policy !== undefined && policy !== 'memory' && policy !== 'open' && policy !== 'closed') {
    issues.push({
      variable: 'options.failurePolicy',
      message: `must be 'memory', 'open' or 'closed', got ${String(policy)}`,
    });
  }
  const memory = options.memory;
  if (
    memory?.expectedInstances !== undefined &&
    !isPositiveInteger(memory.expectedInstances, 1e6)
  ) {
    issues.push({
      variable: 'options.memory.expectedInstances',
      message: `must be a positive integer, got ${String(memory.expectedInstances)}`,
    });
  }
  for (const field of ['maxEntries', 'maxBytes'] as const) {
    const value = memory?.[field];
    if (value !== undefined && !isPositiveInteger(value, Number.MAX_SAFE_INTEGER)) {
      issues.push({
        variable: `options.memory.${field}`,
        message: `must be a positive integer, got ${String(value)}`,
      });
    }
  }
  const blockCache = options.blockCache;
  if (
    typeof blockCache === 'object' &&
    blockCache !== null &&
    blockCache.maxEntries !== undefined &&
    !isPositiveInteger(blockCache.maxEntries, Number.MAX_SAFE_INTEGER)
  ) {
    issues.push({
      variable: 'options.blockCache.maxEntries',
      message: `must be a positive integer, got ${String(blockCache.maxEntries)}`,
    });
  }
  if (options.maxBatchSize !== undefined && !isPositiveInteger(options.maxBatchSize, 10_000)) {
    issues.push({
      variable: 'options.maxBatchSize',
      message: `must be an integer from 1 to 10000, got ${String(options.maxBatchSize)}`,
    });
  }
  throwIfAny(issues);
  return new RedisRateLimiter(options);
}
