import type { Redis } from 'ioredis';
import { blockingTimeoutMs } from '../guard/blocking-timeout-ms.js';
import type { CommandGuard } from '../guard/command-guard.js';
import type { CommandRoute } from '../guard/command-guard-options.js';
import type { InstanceLike } from '../ioredis/internals.js';

// Commands that change or depend on the state of one connection: they stay on the primary.
const pinned = new Set([
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'select',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'monitor',
  'client',
  'auth',
  'hello',
  'quit',
  'reset',
  'readonly',
  'readwrite',
  'asking',
]);

interface PoolEntry {
  members: Redis[];
  next: number;
  inTransaction: boolean;
  cleanup: () => void;
}

/**
 * Extra connections to each server, so that ordinary commands are spread over `size` sockets
 * round-robin: the primary (the instance ioredis itself uses) plus `size - 1` duplicates of it.
 * The duplicates are never guarded themselves: commands reach them already admitted, with
 * their deadline set, through the primary's guarded `sendCommand`. A duplicate that is not
 * ready is skipped. Transactions, pub/sub, blocking commands and pipelines stay on the primary.
 */
export class ConnectionPool {
  readonly #size: number;
  readonly #onError: (error: Error) => void;
  readonly #entries = new Map<InstanceLike, PoolEntry>();

  constructor(size: number, options: { onError: (error: Error) => void }) {
    this.#size = size;
    this.#onError = options.onError;
  }

  /** Connections per server, the primary included. */
  get size(): number {
    return this.#size;
  }

  /** Adds `size - 1` duplicates of `primary` (a `Redis` instance) and routes through them. */
  add(primary: InstanceLike, guard: CommandGuard): void {
    if (this.#size <= 1 || this.#entries.has(primary)) return;
    const redis = primary as unknown as Redis;
    if (typeof redis.duplicate !== 'function') return;
    const members: Redis[] = [];
    for (let index = 1; index < this.#size; index++) {
      const member = redis.duplicate({ lazyConnect: true });
      member.on('error', this.#onError);
      members.push(member);
    }
    const connectMembers = () => {
      for (const member of members) if (member.status === 'wait') member.connect().catch(() => {});
    };
    primary.on('ready', connectMembers);
    if (primary.status === 'ready') connectMembers();
    let removeRoute = () => {};
    const entry: PoolEntry = {
      members,
      next: 0,
      inTransaction: false,
      cleanup: () => {
        primary.removeListener('ready', connectMembers);
        removeRoute();
        // Not on a member QUIT already closed: ioredis would arm a 2 s destroy timer on the
        // closed socket that nothing clears.
        for (const member of members) if (member.status !== 'end') member.disconnect();
      },
    };
    const route: CommandRoute = (command, stream) => {
      if (stream !== undefined) return undefined;
      const name = command.name;
      if (pinned.has(name)) {
        if (name === 'multi') entry.inTransaction = true;
        else if (name === 'exec' || name === 'discard') entry.inTransaction = false;
        return undefined;
      }
      if (entry.inTransaction || primary.condition?.subscriber) return undefined;
      if (blockingTimeoutMs(name, command.args) !== undefined) return undefined;
      entry.next = (entry.next + 1) % (members.length + 1);
      if (entry.next === 0) return undefined;
      const member = members[entry.next - 1];
      return member !== undefined && member.status === 'ready'
        ? (member as unknown as InstanceLike)
        : undefined;
    };
    removeRoute = guard.addRoute(primary, route);
    this.#entries.set(primary, entry);
  }

  /** Closes the duplicates of `primary` (a cluster node that left). */
  remove(primary: InstanceLike): void {
    this.#entries.get(primary)?.cleanup();
    this.#entries.delete(primary);
  }

  /** Every duplicate, for credential rotation and shutdown. */
  members(): InstanceLike[] {
    return [...this.#entries.values()].flatMap(
      (entry) => entry.members as unknown as InstanceLike[],
    );
  }

  /** Closes every duplicate. */
  clear(): void {
    for (const entry of this.#entries.values()) entry.cleanup();
    this.#entries.clear();
  }
}
