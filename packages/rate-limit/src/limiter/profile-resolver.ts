import { ConfigError, type ConfigIssue } from '@redgrid/core';
import type { LimitProfile } from '../algorithm/limit-check.js';
import type { RateLimitAlgorithm } from '../algorithm/rate-limit-algorithm.js';
import {
  checkProfileFields,
  isPositiveInteger,
  MAX_LIMIT,
  makeProfile,
  throwIfAny,
} from './limit-validation.js';
import type { CheckOptions, LimitOverride, RateLimiterOptions } from './rate-limiter-options.js';

const MAX_SHARED_PROFILES = 1_024;

/** Turns a limiter's options, per-key overrides and per-call options into limit profiles. */
export class ProfileResolver {
  /** The limiter's own profile (its options, no override). */
  readonly profile: LimitProfile;
  readonly #options: RateLimiterOptions;
  readonly #profiles = new Map<string, LimitProfile>();

  constructor(options: RateLimiterOptions) {
    this.#options = options;
    this.profile = makeProfile(
      options.algorithm,
      options.limit,
      options.windowMs,
      options.burst,
      options.blockDurationMs ?? 0,
    );
  }

  /**
   * The profile of one check: the limiter's own when nothing overrides it, else a shared one per
   * distinct combination (bounded). Throws a `ConfigError` for invalid fields.
   */
  resolve(
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
    const profile = this.profile;
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

  /** Throws a `ConfigError` for a cost that is not a positive integer or exceeds the capacity. */
  checkCost(cost: number, profile: LimitProfile, variable: string): void {
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
}
