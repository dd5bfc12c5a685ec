// biome-ignore lint/suspicious/noExplicitAny: listener parameter lists are checked per event map.
type Listener = (...args: any[]) => void;

/** Options of {@link TypedEmitter}. */
export interface TypedEmitterOptions<Events> {
  /** Names the owner in the default report of a throwing listener, e.g. `'redis connection'`. */
  name: string;
  /**
   * Called with the error of a listener that threw (the other listeners still run, and the
   * operation that emitted the event is not affected). Default: one `process` warning
   * (`REDGRID_LISTENER_ERROR`) per event name, so a broken listener is seen without flooding
   * the log. Components with a logger pass one that logs instead.
   */
  onListenerError?: ((error: unknown, event: keyof Events) => void) | undefined;
}

/**
 * The one event emitter of every RedGrid component. `on` returns its own unsubscribe function;
 * listeners run synchronously, in the order they were added; and the project-wide policy for
 * listener errors lives here: **a listener that throws never changes the result of the
 * operation that emitted the event** (a `check()`, a `get()`, a state change): its error is
 * caught and reported through `onListenerError`, and the remaining listeners still run.
 * There is no special `error` event that throws when nobody listens.
 *
 * Emitting to an event nobody listens to costs one property read, so components may emit on
 * hot paths; `has(event)` lets them skip building an event payload.
 */
export class TypedEmitter<Events extends { [E in keyof Events]: Listener }> {
  // Copy on write: emit iterates the current array without copying it.
  readonly #listeners = new Map<keyof Events, readonly Listener[]>();
  readonly #name: string;
  readonly #onListenerError: ((error: unknown, event: keyof Events) => void) | undefined;
  readonly #warned = new Set<keyof Events>();

  constructor(options: TypedEmitterOptions<Events>) {
    this.#name = options.name;
    this.#onListenerError = options.onListenerError;
  }

  /** Adds `listener` to `event`; call the returned function to remove it (idempotent). */
  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const list = this.#listeners.get(event) ?? [];
      const index = list.indexOf(listener);
      if (index === -1) return;
      const next = [...list.slice(0, index), ...list.slice(index + 1)];
      if (next.length === 0) this.#listeners.delete(event);
      else this.#listeners.set(event, next);
    };
  }

  /** Calls every listener of `event` with `args`; never throws (see the class comment). */
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(...args);
      } catch (error) {
        this.#report(error, event);
      }
    }
  }

  /** True when `event` has at least one listener. */
  has(event: keyof Events): boolean {
    return this.#listeners.has(event);
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }

  #report(error: unknown, event: keyof Events): void {
    if (this.#onListenerError !== undefined) {
      try {
        this.#onListenerError(error, event);
      } catch {
        // The reporter itself failed: nothing more can be done without breaking the caller.
      }
      return;
    }
    if (this.#warned.has(event)) return;
    this.#warned.add(event);
    const message = error instanceof Error ? error.message : String(error);
    process.emitWarning(
      `A listener of "${String(event)}" on ${this.#name} threw (${message}); the error was ignored. Later errors of this listener are not reported.`,
      { code: 'REDGRID_LISTENER_ERROR' },
    );
  }
}
