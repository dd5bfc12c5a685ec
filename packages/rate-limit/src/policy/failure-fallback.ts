import {
  CircuitOpenError,
  type HealthCheck,
  type HealthContext,
  type HealthDetailValue,
  type TypedEmitter,
} from '@redgrid/core';
import { type DegradationSnapshot, DegradationTracker, MemoryStore } from '@redgrid/fallback';
import type {
  CheckMode,
  LimitCheck,
  LimitOutcome,
  LimitProfile,
} from '../algorithm/limit-check.js';
import type { Decided } from '../limiter/limiter-results.js';
import type { RateLimiterEvents } from '../limiter/rate-limiter.js';
import { MemoryCheckEngine } from '../memory/memory-check-engine.js';
import type { FailurePolicy, MemoryFallbackOptions } from './failure-policy.js';

const DEFAULT_MEMORY_ENTRIES = 100_000;
const DEFAULT_MEMORY_BYTES = 16 * 1024 * 1024;
// What `closed` answers as retryAfterMs when the error does not say when Redis may be back.
const CLOSED_RETRY_AFTER_MS = 1_000;

/**
 * A limiter's answer while Redis cannot give one: its failure policy (`memory`, `open`,
 * `closed`), the in-memory engine of `memory` (created on first need), and the degradation
 * state (a `DegradationTracker` of @redgrid/fallback) that says since when and how often.
 * The limiter calls {@link decide} (or {@link answer}) on a store failure and
 * {@link succeeded} on every answer from Redis.
 */
export class FailureFallback {
  readonly policy: FailurePolicy;
  readonly counts = { memory: 0, open: 0, closed: 0 };
  readonly #options: MemoryFallbackOptions | undefined;
  readonly #expectedInstances: number;
  readonly #events: TypedEmitter<RateLimiterEvents>;
  readonly #degradation: DegradationTracker;
  readonly #memoryProfiles = new WeakMap<LimitProfile, LimitProfile>();
  #memory: MemoryCheckEngine | undefined;
  #ownsMemory = false;

  constructor(
    policy: FailurePolicy,
    options: MemoryFallbackOptions | undefined,
    events: TypedEmitter<RateLimiterEvents>,
    observedAs: { component: string; name: string },
  ) {
    this.#degradation = new DegradationTracker({ name: 'a rate limiter', observedAs });
    this.policy = policy;
    this.#options = options;
    this.#expectedInstances = options?.expectedInstances ?? 1;
    this.#events = events;
  }

  /** True from a store failure until Redis answers again. */
  get degraded(): boolean {
    return this.#degradation.degraded;
  }

  /** Outages so far. */
  get outages(): number {
    return this.#degradation.outages;
  }

  /** The memory store of the `memory` policy, if one was needed yet. */
  get memoryStore(): MemoryStore | undefined {
    return this.#memory?.store;
  }

  snapshot(): DegradationSnapshot {
    return this.#degradation.snapshot();
  }

  /** The owner's health check (see `DegradationTracker.healthCheck`). */
  healthCheck(
    name: string,
    context: HealthContext,
    details: Record<string, HealthDetailValue>,
  ): HealthCheck {
    return this.#degradation.healthCheck(name, context, details);
  }

  /** Redis answered: ends an outage, dropping the counts kept in memory meanwhile. */
  succeeded(): void {
    if (!this.#degradation.degraded) return;
    const ended = this.#degradation.recover();
    if (ended === undefined) return;
    // Counts kept in memory during the outage are this instance's alone: drop them.
    this.#memory?.store.clear();
    this.#events.emit('recovered', { outageMs: ended.outageMs });
  }

  /** Decides a group by the failure policy after the store failure `error`. */
  decide(mode: CheckMode, group: readonly LimitCheck[], error: unknown): Decided {
    this.#failed(error);
    if (this.policy === 'open' || this.policy === 'closed') {
      const allowed = this.policy === 'open' || mode === 'refund';
      if (allowed) this.counts.open++;
      else this.counts.closed++;
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
      return { outcome: { ok: true, allowed, limits }, group, degraded: true };
    }
    this.counts.memory++;
    const memoryGroup = group.map((check) => ({
      ...check,
      profile: this.#memoryProfile(check.profile),
    }));
    const outcome = this.#engine().evaluate(mode, memoryGroup);
    if (!outcome.ok) throw outcome.error;
    return { outcome, group: memoryGroup, degraded: true };
  }

  /**
   * Answers an operation other than a check after the store failure `error`: `memory` runs it on
   * the in-memory states; `open` and `closed` count nothing and answer `uncounted`.
   */
  answer<T>(error: unknown, memory: (store: MemoryStore) => T, uncounted: T): T {
    this.#failed(error);
    if (this.policy !== 'memory') {
      this.counts[this.policy]++;
      return uncounted;
    }
    this.counts.memory++;
    return memory(this.#engine().store);
  }

  /** Releases the memory store (if created here) and the listeners of the tracker. */
  dispose(): void {
    if (this.#memory && this.#ownsMemory) this.#memory.store.dispose();
    this.#memory = undefined;
    this.#degradation.dispose();
  }

  #failed(error: unknown): void {
    if (this.#degradation.fail(error)) {
      this.#events.emit('degraded', { error, policy: this.policy });
    }
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

  #engine(): MemoryCheckEngine {
    if (this.#memory === undefined) {
      let store = this.#options?.store;
      if (store === undefined) {
        store = new MemoryStore({
          maxEntries: this.#options?.maxEntries ?? DEFAULT_MEMORY_ENTRIES,
          maxBytes: this.#options?.maxBytes ?? DEFAULT_MEMORY_BYTES,
        });
        this.#ownsMemory = true;
      }
      this.#memory = new MemoryCheckEngine(store);
    }
    return this.#memory;
  }
}
