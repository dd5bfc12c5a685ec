import {
  type DegradationMessage,
  type HealthCheck,
  type HealthContext,
  type HealthDetailValue,
  redgridChannel,
  TypedEmitter,
} from '@redgrid/core';

const degradationChannel = redgridChannel('redgrid:degradation');

/** The code of a store failure for `redgrid:degradation` (`ECONNRESET`, `OOM`, the error's name). */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  // Redis error replies start with their code: `OOM command not allowed ...`.
  const replyCode = typeof message === 'string' ? /^([A-Z]{3,})\b/.exec(message)?.[1] : undefined;
  return replyCode ?? (typeof name === 'string' ? name : undefined);
}

/** What a {@link DegradationTracker} knows, as a health check or a metrics exporter reads it. */
export interface DegradationSnapshot {
  /** True from the first store failure until the next successful call. */
  readonly degraded: boolean;
  /** When the current outage started (clock ms); absent while not degraded. */
  readonly degradedSinceMs?: number;
  /** How long the current outage has lasted so far, in ms; absent while not degraded. */
  readonly degradedForMs?: number;
  /** Outages started since the tracker was created. */
  readonly outages: number;
  /** When the last outage ended (clock ms); absent if none has ended yet. */
  readonly lastRecoveredAtMs?: number;
  /** How long the last ended outage lasted, in ms; absent if none has ended yet. */
  readonly lastOutageMs?: number;
}

/** What {@link DegradationTracker.recover} reports about the outage it ended. */
export interface DegradationRecovery {
  /** From the failure that started the outage to the call that ended it, in ms. */
  readonly outageMs: number;
  /** When it ended (clock ms). */
  readonly recoveredAtMs: number;
}

/** Listener signatures of {@link DegradationTracker.on}. */
export interface DegradationTrackerEvents {
  /** An outage started: `error` is the store failure that started it. */
  degraded: (info: { error: unknown; sinceMs: number }) => void;
  /** The outage ended: a call succeeded again. */
  recovered: (info: DegradationRecovery) => void;
}

/** Options of a {@link DegradationTracker}. */
export interface DegradationTrackerOptions {
  /** Wall clock in ms. Default `Date.now`. */
  clock?: () => number;
  /** Who owns the tracker, for listener error messages. Default `'a degradation tracker'`. */
  name?: string;
  /**
   * How the owner is labelled on the `redgrid:degradation` diagnostics channel (what
   * `@redgrid/observability` exports as `redgrid_degraded{component,name}`). Default
   * `{ component: 'store', name: 'default' }`.
   */
  observedAs?: { component: string; name: string };
}

/**
 * The degraded / healthy state of one feature that falls back when its store fails: when the
 * current outage started, how many there were, when the last one ended and how long it lasted.
 * The owner reports each store failure with {@link fail} and each success with
 * {@link recover}; both are cheap enough for the hot path (a comparison when nothing changes).
 * `ResilientStore` and the rate limiter each keep one, so that their health reads the same.
 */
export class DegradationTracker {
  readonly #clock: () => number;
  readonly #events: TypedEmitter<DegradationTrackerEvents>;
  readonly #observedAs: { component: string; name: string };
  #sinceMs: number | undefined;
  #outages = 0;
  #lastRecovery: DegradationRecovery | undefined;

  constructor(options: DegradationTrackerOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#observedAs = options.observedAs ?? { component: 'store', name: 'default' };
    this.#events = new TypedEmitter<DegradationTrackerEvents>({
      name: options.name ?? 'a degradation tracker',
    });
  }

  /** True from the first store failure until the next successful call. */
  get degraded(): boolean {
    return this.#sinceMs !== undefined;
  }

  /** Outages started so far. */
  get outages(): number {
    return this.#outages;
  }

  /**
   * Records a store failure. Returns true when it started an outage (the tracker was healthy),
   * false when one was already under way.
   */
  fail(error: unknown): boolean {
    if (this.#sinceMs !== undefined) return false;
    const sinceMs = this.#clock();
    this.#sinceMs = sinceMs;
    this.#outages++;
    if (degradationChannel.hasSubscribers) {
      const code = errorCode(error);
      degradationChannel.publish({
        ...this.#observedAs,
        event: 'degraded',
        ...(code === undefined ? {} : { errorCode: code }),
      } satisfies DegradationMessage);
    }
    this.#events.emit('degraded', { error, sinceMs });
    return true;
  }

  /**
   * Records a successful call. Returns what ended when it ended an outage, undefined when the
   * tracker was not degraded.
   */
  recover(): DegradationRecovery | undefined {
    const sinceMs = this.#sinceMs;
    if (sinceMs === undefined) return undefined;
    const recoveredAtMs = this.#clock();
    const recovery = { outageMs: Math.max(0, recoveredAtMs - sinceMs), recoveredAtMs };
    this.#sinceMs = undefined;
    this.#lastRecovery = recovery;
    if (degradationChannel.hasSubscribers) {
      degradationChannel.publish({
        ...this.#observedAs,
        event: 'recovered',
        outageMs: recovery.outageMs,
      } satisfies DegradationMessage);
    }
    this.#events.emit('recovered', recovery);
    return recovery;
  }

  /** The state now, as a plain object (safe to serialise into a health body). */
  snapshot(): DegradationSnapshot {
    const sinceMs = this.#sinceMs;
    const last = this.#lastRecovery;
    return {
      degraded: sinceMs !== undefined,
      ...(sinceMs === undefined
        ? {}
        : { degradedSinceMs: sinceMs, degradedForMs: Math.max(0, this.#clock() - sinceMs) }),
      outages: this.#outages,
      ...(last === undefined
        ? {}
        : { lastRecoveredAtMs: last.recoveredAtMs, lastOutageMs: last.outageMs }),
    };
  }

  /**
   * Subscribes to `degraded` or `recovered`; returns the unsubscribe function. Listeners run
   * synchronously; one that throws never changes the result of the call that reported.
   */
  on<E extends keyof DegradationTrackerEvents>(
    event: E,
    listener: DegradationTrackerEvents[E],
  ): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * The health check of the component that owns this tracker, under `name`: `degraded` while it
   * serves from its fallback; a component still flagged degraded while Redis is connected again
   * is `healthy` (its next call goes to Redis). `details` add the owner's own figures.
   */
  healthCheck(
    name: string,
    context: HealthContext,
    details: Record<string, HealthDetailValue> = {},
  ): HealthCheck {
    const sinceMs = this.#sinceMs;
    const serving = sinceMs !== undefined && !context.redisConnected;
    return {
      name,
      status: serving ? 'degraded' : 'healthy',
      message: serving
        ? `${name} is serving from the in-memory fallback`
        : sinceMs !== undefined
          ? `${name} returns to Redis on its next call`
          : `${name} is served by Redis`,
      details: {
        degraded: serving,
        outages: this.#outages,
        ...(sinceMs === undefined ? {} : { degradedSince: new Date(sinceMs).toISOString() }),
        ...details,
      },
    };
  }

  /** Removes every listener. */
  dispose(): void {
    this.#events.clear();
  }
}
