/**
 * Lets the same message through at most once per `intervalMs` and counts the repeats in
 * between (connection errors repeat on every reconnect attempt). Remembers at most 100
 * messages, then starts over.
 */
export class RepeatLimiter {
  readonly #intervalMs: number;
  readonly #seen = new Map<string, { at: number; repeats: number }>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /**
   * The number of repeats held back since `message` last went through, when it may go through
   * now; undefined when it is held back (and counted).
   */
  take(message: string): number | undefined {
    const now = Date.now();
    const seen = this.#seen.get(message);
    if (seen === undefined || now - seen.at >= this.#intervalMs) {
      this.#seen.set(message, { at: now, repeats: 0 });
      if (this.#seen.size > 100) this.#seen.clear();
      return seen?.repeats ?? 0;
    }
    seen.repeats++;
    return undefined;
  }
}
