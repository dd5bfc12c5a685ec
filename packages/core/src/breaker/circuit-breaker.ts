import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import { resolveBreakerOptions } from './breaker-options.js';
import type {
  CircuitBreakerEvents,
  CircuitBreakerOptions,
  CircuitBreakerStats,
  CircuitOpenReason,
  CircuitState,
} from './circuit-breaker-types.js';

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
type StateCode = typeof CLOSED | typeof OPEN | typeof HALF_OPEN;
const stateNames: readonly CircuitState[] = ['closed', 'open', 'half-open'];

// Successes are not timestamped one by one: reading the clock costs more than the rest of the
// bookkeeping (about 50 ns on a VM). They are counted as pending and placed in the window
// whenever the clock is read anyway (every failure, every state query) and at least every
// SAMPLE_EVERY successes, spread evenly over the time since the previous reading.
const SAMPLE_EVERY = 64;

/**
 * A circuit breaker: stops calling a dependency that keeps failing, so callers fail fast (and
 * can serve a fallback) instead of queueing behind timeouts, then probes it and closes again
 * once it answers. Closed, it trips open when the failure rate over a rolling time window
 * reaches `failureRateThreshold` (once at least `minimumRequests` calls were seen) or after
 * `consecutiveFailures` failures in a row. Open, it rejects every call with a
 * `CircuitOpenError` for `openDurationMs`, after which it is half-open: up to
 * `halfOpenMaxProbes` calls go through as probes, the others are rejected at once (never
 * queued). A successful probe closes it; a failed one re-opens it for twice as long, up to
 * `maxOpenDurationMs`. A probe that has not reported within the open duration counts as failed,
 * so a lost result cannot hold the breaker half-open forever.
 *
 * There is no timer: time is read lazily (the open → half-open transition happens on the next
 * `admit()` or `state` read). Wrap calls with `execute(fn)`, or, on a hot path where a closure
 * per call matters, call `admit()` before and exactly one of `recordSuccess()` /
 * `recordFailure(error)` after each admitted call.
 *
 * Gotchas: results are attributed by state, not per call: with the low-level methods, a late
 * result of a call admitted before the breaker opened counts as a probe's result if it arrives
 * while half-open (`execute` tells them apart). Successes are timestamped lazily (see the
 * source), which is exact under steady traffic and approximate right after an idle period.
 *
 * @example
 * const breaker = new CircuitBreaker({ name: 'redis', isFailure: (error) => !isReplyError(error) });
 * const value = await breaker.execute(() => redis.get('key'));
 */
export class CircuitBreaker {
  readonly #name: string | undefined;
  readonly #clock: () => number;
  // Bucket ids count from the construction time, so they are never negative.
  readonly #origin: number;
  readonly #isFailure: ((error: unknown) => boolean) | undefined;
  readonly #minimumRequests: number;
  readonly #failureRateThreshold: number;
  readonly #consecutiveThreshold: number;
  readonly #baseOpenMs: number;
  readonly #maxOpenMs: number;
  readonly #maxProbes: number;

  // Rolling window: bucket i holds calls whose time t has floor(t / bucketMs) % buckets === i.
  readonly #bucketMs: number;
  readonly #bucketCount: number;
  readonly #successes: Float64Array;
  readonly #failures: Uint32Array;
  #bucketId: number;
  #lastSync: number;
  #pending = 0;
  #windowSuccesses = 0;
  #windowFailures = 0;

  #state: StateCode = CLOSED;
  #consecutive = 0;
  #openUntil = 0;
  #openMs: number;
  #probes = 0;
  // Half-open: when probe slots still held count as failed probes (see #admitSlow).
  #probeDeadline = 0;
  #rejections = 0;

  readonly #events: TypedEmitter<CircuitBreakerEvents>;
  // Read on every call: plain fields are cheaper than asking the emitter.
  #hasSuccessListeners = false;
  #hasFailureListeners = false;

  // Result handlers of execute(), bound once so that a call allocates no closure.
  readonly #onSuccess = (value: unknown): unknown => {
    this.#closedSuccess();
    return value;
  };
  readonly #onFailure = (error: unknown): never => {
    this.#closedFailure(error);
    throw error;
  };
  readonly #onProbeSuccess = (value: unknown): unknown => {
    this.#probeResult(undefined, false);
    return value;
  };
  readonly #onProbeFailure = (error: unknown): never => {
    this.#probeResult(error, true);
    throw error;
  };

  constructor(options: CircuitBreakerOptions = {}) {
    const {
      name,
      windowMs,
      windowBuckets,
      minimumRequests,
      failureRateThreshold,
      consecutiveFailures,
      openDurationMs,
      maxOpenDurationMs,
      halfOpenMaxProbes,
      isFailure,
      clock,
      onListenerError,
    } = resolveBreakerOptions(options);
    this.#events = new TypedEmitter<CircuitBreakerEvents>({
      name: name === undefined ? 'a circuit breaker' : `circuit breaker "${name}"`,
      onListenerError,
    });

    this.#name = name;
    this.#clock = clock;
    this.#isFailure = isFailure;
    this.#minimumRequests = minimumRequests;
    this.#failureRateThreshold = failureRateThreshold;
    this.#consecutiveThreshold = consecutiveFailures;
    this.#baseOpenMs = openDurationMs;
    this.#maxOpenMs = maxOpenDurationMs;
    this.#openMs = openDurationMs;
    this.#maxProbes = halfOpenMaxProbes;
    this.#bucketCount = windowBuckets;
    this.#bucketMs = windowMs / windowBuckets;
    this.#successes = new Float64Array(windowBuckets);
    this.#failures = new Uint32Array(windowBuckets);
    this.#origin = clock();
    this.#lastSync = this.#origin;
    this.#bucketId = 0;
  }

  /** The `name` option, if any. */
  get name(): string | undefined {
    return this.#name;
  }

  /**
   * Current state. Reading it performs a due open → half-open transition (and emits
   * `halfOpen`), so it is always up to date without a timer.
   */
  get state(): CircuitState {
    if (this.#state === OPEN) this.#refreshOpen(this.#clock());
    return stateNames[this.#state] ?? 'closed';
  }

  /**
   * Runs `fn` if the breaker admits it and records its outcome. Rejects with
   * `CircuitOpenError` (without calling `fn`) when not admitted. A synchronous throw of `fn`
   * is recorded and turned into a rejection. The returned promise settles exactly like `fn`'s.
   */
  execute<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.#state !== CLOSED) return this.#executeSlow(fn);
    let result: Promise<T> | T;
    try {
      result = fn();
    } catch (error) {
      this.#closedFailure(error);
      return Promise.reject(error);
    }
    if (result instanceof Promise)
      return result.then(this.#onSuccess, this.#onFailure) as Promise<T>;
    if (isThenable(result))
      return Promise.resolve(result).then(this.#onSuccess, this.#onFailure) as Promise<T>;
    this.#closedSuccess();
    return Promise.resolve(result);
  }

  /**
   * Low-level admission, for hot paths that cannot afford a closure per call (the connection
   * calls it per Redis command). Returns if the call may proceed; throws `CircuitOpenError`
   * when the breaker is open, or half-open with every probe slot taken. Every admitted call
   * must be followed by exactly one `recordSuccess()` or `recordFailure(error)`, or a probe
   * slot leaks until the next state change.
   */
  admit(): void {
    if (this.#state === CLOSED) return;
    const error = this.#admitSlow();
    if (error !== undefined) throw error;
  }

  /** Records the success of a call admitted by `admit()`. */
  recordSuccess(): void {
    if (this.#state === CLOSED) this.#closedSuccess();
    else if (this.#state === HALF_OPEN && this.#probes > 0) this.#probeResult(undefined, false);
    // Open: a late result of a call admitted before the breaker opened; ignored.
  }

  /**
   * Records the failure of a call admitted by `admit()`. An error for which `isFailure`
   * returns false counts as a success.
   */
  recordFailure(error: unknown): void {
    if (this.#state === CLOSED) this.#closedFailure(error);
    else if (this.#state === HALF_OPEN && this.#probes > 0) this.#probeResult(error, true);
  }

  /**
   * Opens the breaker by hand (reason `'manual'`), e.g. to take Redis out during maintenance.
   * By default it stays open until `close()` or `reset()`; with `durationMs` it goes
   * half-open after that long, like an automatic trip.
   */
  open(options: { durationMs?: number } = {}): void {
    const durationMs = options.durationMs ?? Number.POSITIVE_INFINITY;
    this.#trip(this.#clock(), 'manual', durationMs);
  }

  /**
   * Trips a closed breaker as if its failure threshold had been reached (reason
   * `'unreachable'`): open for the current open duration, then half-open as usual. For an owner
   * that knows the dependency is gone before calls have failed, e.g. a connection that has had
   * no socket for a whole command deadline, so that callers fail fast at once instead of each
   * waiting out its own deadline. No effect unless closed.
   */
  trip(): void {
    if (this.#state !== CLOSED) return;
    this.#trip(this.#clock(), 'unreachable', this.#openMs);
  }

  /**
   * Closes the breaker by hand: a fresh window, no failures in a row, the open duration back
   * to `openDurationMs`. Emits `close` if it was not closed.
   */
  close(): void {
    const wasClosed = this.#state === CLOSED;
    this.#toClosed();
    if (!wasClosed) this.#emit('close');
  }

  /** Like `close()`, and also zeroes the rejection count: the state of a new breaker. */
  reset(): void {
    this.close();
    this.#rejections = 0;
  }

  /** A snapshot of the state and the rolling window's counts. */
  stats(): CircuitBreakerStats {
    const now = this.#clock();
    if (this.#state === OPEN) this.#refreshOpen(now);
    this.#sync(now);
    const successes = Math.round(this.#windowSuccesses);
    const failures = this.#windowFailures;
    const requests = successes + failures;
    const stats: CircuitBreakerStats = {
      state: stateNames[this.#state] ?? 'closed',
      requests,
      failures,
      successes,
      rejections: this.#rejections,
      failureRate: requests === 0 ? 0 : failures / requests,
      consecutiveFailures: this.#consecutive,
    };
    if (this.#state === OPEN) stats.openUntil = this.#openUntil;
    return stats;
  }

  /**
   * Subscribes to an event; returns the function that unsubscribes. Listeners run
   * synchronously inside the call that caused the event: keep them cheap. A listener that
   * throws does not disturb the breaker or the call (see `TypedEmitter` and `onListenerError`).
   */
  on<E extends keyof CircuitBreakerEvents>(
    event: E,
    listener: CircuitBreakerEvents[E],
  ): () => void {
    const off = this.#events.on(event, listener);
    this.#updateFlags();
    return () => {
      off();
      this.#updateFlags();
    };
  }

  /**
   * Removes every listener. The breaker holds no timer or other resource, so nothing else
   * needs releasing; it keeps working if called again.
   */
  dispose(): void {
    this.#events.clear();
    this.#updateFlags();
  }

  // ---- internals -------------------------------------------------------------------------

  #executeSlow<T>(fn: () => Promise<T> | T): Promise<T> {
    const error = this.#admitSlow();
    if (error !== undefined) return Promise.reject(error);
    if (this.#state === CLOSED) return this.execute(fn);
    // Half-open: this call holds a probe slot; its outcome decides the state.
    let result: Promise<T> | T;
    try {
      result = fn();
    } catch (thrown) {
      this.#probeResult(thrown, true);
      return Promise.reject(thrown);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(this.#onProbeSuccess, this.#onProbeFailure) as Promise<T>;
    }
    this.#probeResult(undefined, false);
    return Promise.resolve(result);
  }

  /** Admission when not closed: undefined when admitted, else the error to reject with. */
  #admitSlow(): CircuitOpenError | undefined {
    const now = this.#clock();
    if (this.#state === OPEN) this.#refreshOpen(now);
    if (this.#state === CLOSED) return undefined;
    if (this.#state === HALF_OPEN && this.#probes < this.#maxProbes) {
      this.#probes++;
      return undefined;
    }
    // A probe that has not reported within the open duration is taken as failed, so a lost
    // result (an admit() never followed by a record) cannot hold the breaker half-open forever.
    if (this.#state === HALF_OPEN && now >= this.#probeDeadline) {
      this.#openMs = Math.min(this.#maxOpenMs, Math.max(this.#openMs * 2, 1));
      this.#trip(now, 'probe-failed', this.#openMs);
    }
    this.#rejections++;
    const error = new CircuitOpenError({
      retryAfterMs: this.#state === OPEN ? this.#openUntil - now : 0,
      breakerName: this.#name,
    });
    this.#emit('reject', error);
    return error;
  }

  #closedSuccess(): void {
    this.#consecutive = 0;
    if (++this.#pending >= SAMPLE_EVERY) this.#sync(this.#clock());
    if (this.#hasSuccessListeners) this.#emit('success');
  }

  #closedFailure(error: unknown): void {
    if (this.#isFailure !== undefined && !this.#isFailureSafe(error)) {
      this.#closedSuccess();
      return;
    }
    const now = this.#clock();
    this.#sync(now);
    this.#consecutive++;
    const index = this.#bucketId % this.#bucketCount;
    this.#failures[index] = (this.#failures[index] ?? 0) + 1;
    this.#windowFailures++;
    if (this.#hasFailureListeners) this.#emit('failure', error);
    if (this.#state !== CLOSED) return; // a listener changed the state
    if (this.#consecutiveThreshold > 0 && this.#consecutive >= this.#consecutiveThreshold) {
      this.#trip(now, 'consecutive-failures', this.#openMs);
      return;
    }
    const requests = this.#windowFailures + this.#windowSuccesses;
    if (
      requests >= this.#minimumRequests &&
      this.#windowFailures / requests >= this.#failureRateThreshold
    ) {
      this.#trip(now, 'failure-rate', this.#openMs);
    }
  }

  #probeResult(error: unknown, failed: boolean): void {
    if (this.#probes > 0) this.#probes--;
    if (this.#state !== HALF_OPEN) return; // already decided by another probe or by hand
    if (failed && (this.#isFailure === undefined || this.#isFailureSafe(error))) {
      this.#consecutive++;
      if (this.#hasFailureListeners) this.#emit('failure', error);
      if (this.#state !== HALF_OPEN) return;
      this.#openMs = Math.min(this.#maxOpenMs, Math.max(this.#openMs * 2, 1));
      this.#trip(this.#clock(), 'probe-failed', this.#openMs);
      return;
    }
    if (this.#hasSuccessListeners) this.#emit('success');
    if (this.#state !== HALF_OPEN) return;
    this.#toClosed();
    this.#emit('close');
  }

  #isFailureSafe(error: unknown): boolean {
    try {
      return this.#isFailure === undefined || this.#isFailure(error);
    } catch {
      return true; // a broken filter must not hide failures
    }
  }

  #trip(now: number, reason: CircuitOpenReason, openForMs: number): void {
    this.#state = OPEN;
    this.#probes = 0;
    this.#openUntil = now + openForMs;
    this.#emit('open', { reason, openForMs });
  }

  /** Open → half-open when the open period is over. */
  #refreshOpen(now: number): void {
    if (now < this.#openUntil) return;
    this.#state = HALF_OPEN;
    this.#probes = 0;
    this.#probeDeadline = now + Math.max(this.#openMs, 1);
    this.#emit('halfOpen');
  }

  #toClosed(): void {
    this.#state = CLOSED;
    this.#consecutive = 0;
    this.#probes = 0;
    this.#openMs = this.#baseOpenMs;
    this.#openUntil = 0;
    this.#successes.fill(0);
    this.#failures.fill(0);
    this.#windowSuccesses = 0;
    this.#windowFailures = 0;
    this.#pending = 0;
    this.#lastSync = Math.max(this.#clock(), this.#lastSync);
    this.#bucketId = Math.floor((this.#lastSync - this.#origin) / this.#bucketMs);
  }

  /**
   * Moves the window to `now`: expires buckets older than the window, then spreads the
   * pending (not yet timestamped) successes evenly over (lastSync, now].
   */
  #sync(now: number): void {
    const last = this.#lastSync;
    if (now < last) now = last; // a clock that went backwards counts as standing still
    const bucketMs = this.#bucketMs;
    const count = this.#bucketCount;
    const origin = this.#origin;
    const newId = Math.floor((now - origin) / bucketMs);
    const oldId = this.#bucketId;
    if (newId !== oldId) {
      if (newId - oldId >= count) {
        this.#successes.fill(0);
        this.#failures.fill(0);
      } else {
        for (let id = oldId + 1; id <= newId; id++) {
          this.#successes[id % count] = 0;
          this.#failures[id % count] = 0;
        }
      }
      this.#bucketId = newId;
    }
    const pending = this.#pending;
    if (pending > 0) {
      this.#pending = 0;
      const span = now - last;
      const lastId = Math.floor((last - origin) / bucketMs);
      if (span <= 0 || newId === lastId) {
        const index = newId % count;
        this.#successes[index] = (this.#successes[index] ?? 0) + pending;
      } else {
        for (let id = Math.max(lastId, newId - count + 1); id <= newId; id++) {
          const from = Math.max(last, origin + id * bucketMs);
          const to = Math.min(now, origin + (id + 1) * bucketMs);
          if (to <= from) continue;
          const index = id % count;
          this.#successes[index] = (this.#successes[index] ?? 0) + (pending * (to - from)) / span;
        }
      }
    }
    this.#lastSync = now;
    let successes = 0;
    let failures = 0;
    for (let index = 0; index < count; index++) {
      successes += this.#successes[index] ?? 0;
      failures += this.#failures[index] ?? 0;
    }
    this.#windowSuccesses = successes;
    this.#windowFailures = failures;
  }

  #updateFlags(): void {
    this.#hasSuccessListeners = this.#events.has('success');
    this.#hasFailureListeners = this.#events.has('failure');
  }

  #emit<E extends keyof CircuitBreakerEvents>(
    event: E,
    ...args: Parameters<CircuitBreakerEvents[E]>
  ): void {
    this.#events.emit(event, ...args);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
