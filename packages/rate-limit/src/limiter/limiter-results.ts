import type {
  GroupOutcome,
  LimitCheck,
  LimitOutcome,
  LimitProfile,
} from '../algorithm/limit-check.js';
import type { BlockCache } from '../block-cache/block-cache.js';
import type { MultiRateLimitResult, RateLimitResult } from '../result/rate-limit-result.js';

/** A group decided by Redis or by the failure policy, with the checks as they were applied. */
export interface Decided {
  outcome: Extract<GroupOutcome, { ok: true }>;
  /** The checks as decided: in memory, with the limits divided per instance. */
  group: readonly LimitCheck[];
  degraded: boolean;
}

/** The error for a reply that lacks a limit (a bug, never a Redis state). */
export function missingOutcome(): Error {
  return new TypeError('rate-limit decision is missing a limit');
}

/** One limit's decision as a check returns it. */
export function toResult(
  limit: LimitOutcome,
  profile: LimitProfile,
  degraded: boolean,
): RateLimitResult {
  return {
    allowed: limit.allowed,
    limit: profile.limit,
    remaining: limit.remaining,
    resetMs: limit.resetMs,
    retryAfterMs: limit.allowed ? 0 : limit.retryAfterMs,
    degraded,
  };
}

/** A group's decision as `checkAll` returns it: the tightest limit first, then each one. */
export function toMultiResult(decided: Decided): MultiRateLimitResult {
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
 * `checkAll` answered from the block cache when one of its limits is known to reject, without a
 * round trip; undefined when none is cached.
 */
export function cachedGroup(
  blockCache: BlockCache,
  group: readonly LimitCheck[],
): MultiRateLimitResult | undefined {
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

/** Remembers in the block cache the limits Redis rejected (never degraded decisions). */
export function rememberRejections(blockCache: BlockCache, decided: Decided): void {
  if (decided.degraded || decided.outcome.allowed) return;
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
