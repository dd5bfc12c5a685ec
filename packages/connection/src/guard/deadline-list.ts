/** What {@link DeadlineList} needs of an entry: its deadline and two intrusive links. */
export interface DeadlineEntry<T extends DeadlineEntry<T>> {
  deadlineMs: number;
  prev: T | undefined;
  next: T | undefined;
  listed: boolean;
}

/**
 * In-flight commands ordered by deadline, as an intrusive doubly linked list: O(1) insert for
 * the common case (every command gets the same timeout, so deadlines arrive in order and go at
 * the tail), O(1) removal when a reply arrives, and a sweep that only looks at expired entries.
 * It replaces a timer per command (what ioredis' `commandTimeout` does), which costs a timer
 * allocation and two timer-list operations per command. Entries with a longer timeout (blocking
 * commands) are inserted by walking back from the tail.
 */
export class DeadlineList<T extends DeadlineEntry<T>> {
  #head: T | undefined;
  #tail: T | undefined;
  #size = 0;

  /** Entries currently waiting for their deadline. */
  get size(): number {
    return this.#size;
  }

  /** Adds `entry`, keeping the list ordered by `deadlineMs` (ties keep insertion order). */
  insert(entry: T): void {
    let after = this.#tail;
    while (after !== undefined && after.deadlineMs > entry.deadlineMs) after = after.prev;
    entry.prev = after;
    if (after === undefined) {
      entry.next = this.#head;
      if (this.#head !== undefined) this.#head.prev = entry;
      this.#head = entry;
    } else {
      entry.next = after.next;
      if (after.next !== undefined) after.next.prev = entry;
      after.next = entry;
    }
    if (entry.next === undefined) this.#tail = entry;
    entry.listed = true;
    this.#size++;
  }

  /** Removes `entry` if it is listed; a no-op otherwise. */
  remove(entry: T): void {
    if (!entry.listed) return;
    if (entry.prev === undefined) this.#head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.#tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    entry.listed = false;
    this.#size--;
  }

  /**
   * Removes every entry whose deadline is at or before `nowMs` and passes it to `onExpired`, in
   * deadline order. `onExpired` may remove or insert other entries.
   */
  expire(nowMs: number, onExpired: (entry: T) => void): number {
    let count = 0;
    for (let entry = this.#head; entry !== undefined && entry.deadlineMs <= nowMs; ) {
      this.remove(entry);
      onExpired(entry);
      count++;
      entry = this.#head;
    }
    return count;
  }

  /** Removes every entry and passes it to `onRemoved` (used on close). */
  drain(onRemoved: (entry: T) => void): void {
    for (let entry = this.#head; entry !== undefined; entry = this.#head) {
      this.remove(entry);
      onRemoved(entry);
    }
  }
}
