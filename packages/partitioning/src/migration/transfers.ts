import type { Redis } from 'ioredis';
import type { KeyLocks } from './key-locks.js';
import {
  addOutcome,
  dumpRestoreKeys,
  emptyOutcome,
  MigrateCommandError,
  type MigrateTarget,
  type MoveOutcome,
  migrateKeys,
} from './move-keys.js';

/**
 * How keys are copied between nodes:
 * - `'dump-restore'`: DUMP on the source, RESTORE on the target, compare-and-delete on the
 *   source, all through this client. Works wherever the client reaches both nodes (TLS, NAT,
 *   managed services without MIGRATE).
 * - `'migrate'`: one MIGRATE command per batch, server to server. Fastest, and atomic per key
 *   (no window where a concurrent delete could be undone), but the source server must reach
 *   the target's address without TLS.
 * - `'auto'` (default): MIGRATE when the target has no TLS, falling back to DUMP/RESTORE for a
 *   pair of nodes as soon as MIGRATE fails for a reason other than an existing key.
 */
export type TransferMethod = 'auto' | 'migrate' | 'dump-restore';

/** Access to the nodes a migration touches. */
export interface TransferNodes {
  clientOf(nodeId: string): Redis;
  /** Where the source server can send MIGRATE for this target, or undefined if it cannot. */
  migrateTargetOf(nodeId: string): Promise<MigrateTarget | undefined>;
}

/** Moves keys between pairs of nodes, choosing (and remembering) the method per pair. */
export class Transfers {
  readonly #nodes: TransferNodes;
  readonly #method: TransferMethod;
  readonly #timeoutMs: number;
  readonly #locks: KeyLocks;
  readonly #chosen = new Map<string, 'migrate' | 'dump-restore'>();

  constructor(nodes: TransferNodes, method: TransferMethod, timeoutMs: number, locks: KeyLocks) {
    this.#nodes = nodes;
    this.#method = method;
    this.#timeoutMs = timeoutMs;
    this.#locks = locks;
  }

  /** The method used so far for each `from -> to` pair. */
  methods(): Array<{
    from: string;
    to: string;
    method: 'migrate' | 'dump-restore';
  }> {
    return [...this.#chosen].map(([pair, method]) => {
      const [from = '', to = ''] = pair.split('\u0000');
      return { from, to, method };
    });
  }

  /**
   * Moves `keys` from `sourceId` to `targetId` (retrying keys changed mid-move up to three
   * times; after that they are reported as conflicts).
   */
  async move(sourceId: string, targetId: string, keys: readonly string[]): Promise<MoveOutcome> {
    const total = emptyOutcome();
    if (keys.length === 0) return total;
    await this.#locks.withKeys(keys, async () => {
      let pending: readonly string[] = keys;
      for (let attempt = 0; attempt < 4 && pending.length > 0; attempt++) {
        const outcome = await this.#moveOnce(sourceId, targetId, pending);
        pending = outcome.retry;
        outcome.retry = [];
        addOutcome(total, outcome);
      }
      total.conflicts.push(...pending);
    });
    return total;
  }

  async #moveOnce(
    sourceId: string,
    targetId: string,
    keys: readonly string[],
  ): Promise<MoveOutcome> {
    const pair = `${sourceId}\u0000${targetId}`;
    const source = this.#nodes.clientOf(sourceId);
    let method = this.#chosen.get(pair);
    if (method === undefined) {
      method =
        this.#method === 'dump-restore' ||
        (await this.#nodes.migrateTargetOf(targetId)) === undefined
          ? 'dump-restore'
          : 'migrate';
      if (this.#method === 'migrate') method = 'migrate';
      this.#chosen.set(pair, method);
    }
    if (method === 'migrate') {
      const address = await this.#nodes.migrateTargetOf(targetId);
      try {
        if (address === undefined) {
          throw new MigrateCommandError(
            `no address of node "${targetId}" usable by MIGRATE (TLS, or unknown)`,
          );
        }
        return await migrateKeys(source, address, keys, this.#timeoutMs);
      } catch (error) {
        if (!(error instanceof MigrateCommandError) || this.#method === 'migrate') throw error;
        this.#chosen.set(pair, 'dump-restore');
      }
    }
    return dumpRestoreKeys(source, this.#nodes.clientOf(targetId), keys);
  }
}
