/**
 * In-process exclusion per key, so that the migration's batch mover and an on-demand move of
 * the same key (a pipeline or `resolveConnectionForKey` during the migration) never copy it at
 * the same time. Waiting is FIFO-ish and cheap: one Map lookup per key.
 */
export class KeyLocks {
  readonly #held = new Map<string, Promise<void>>();

  /** Runs `task` while holding every key in `keys`. */
  async withKeys<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    for (;;) {
      const waits: Promise<void>[] = [];
      for (const key of keys) {
        const held = this.#held.get(key);
        if (held) waits.push(held);
      }
      if (waits.length === 0) break;
      await Promise.all(waits);
    }
    let release = () => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const key of keys) this.#held.set(key, done);
    try {
      return await task();
    } finally {
      for (const key of keys) if (this.#held.get(key) === done) this.#held.delete(key);
      release();
    }
  }
}
