import type { Transfers } from '../migration/transfers.js';
import type { RebalancePlan } from '../rebalance/rebalance-plan.js';
import type { NormalizedLayout, Partitioner } from '../strategies/create-partitioner.js';
import { groupBy } from './group-by.js';

/**
 * Where keys live, migrations included: the layout keys are routed by and, while a plan is
 * being migrated (or followed), the layout they come from, so reads can fall back to a key's
 * old owner and keys still there can be moved before a command touches them.
 */
export class KeyRouting {
  #current: Partitioner;
  #previous: Partitioner | undefined;
  #plan: RebalancePlan | undefined;
  #transfers: Transfers | undefined;

  constructor(current: Partitioner) {
    this.#current = current;
  }

  /** Router of the layout keys are routed by (the target layout during a migration). */
  get current(): Partitioner {
    return this.#current;
  }

  /** The layout keys come from during a migration, else undefined. */
  get previousLayout(): NormalizedLayout | undefined {
    return this.#previous?.layout;
  }

  /** True while a plan is migrated or followed. */
  get migrating(): boolean {
    return this.#previous !== undefined;
  }

  /** The plan being migrated or followed, or undefined. */
  get plan(): RebalancePlan | undefined {
    return this.#plan;
  }

  /** Owner of `key`; throws `UnroutableKeyError` when there is none. */
  nodeFor(key: string): string {
    return this.#current.nodeFor(key);
  }

  /** During a migration: old owner of `key` when it differs from `owner`, its new one. */
  oldOwner(key: string, owner: string): string | undefined {
    if (!this.#previous) return undefined;
    const old = this.#previous.route(key);
    return typeof old === 'string' && old !== owner ? old : undefined;
  }

  /** Routes by `to`, with `from` as the fallback, moving keys on demand with `transfers`. */
  follow(plan: RebalancePlan, from: Partitioner, to: Partitioner, transfers: Transfers): void {
    this.#previous = from;
    this.#current = to;
    this.#plan = plan;
    this.#transfers = transfers;
  }

  /** The mover on-demand moves use from now on (the migration's own). */
  useTransfers(transfers: Transfers): void {
    this.#transfers = transfers;
  }

  /** Ends migration routing: keys are routed by the current layout only. */
  complete(): void {
    this.#previous = undefined;
    this.#plan = undefined;
    this.#transfers = undefined;
  }

  /** During a migration, moves the keys still on their old owner to the new one. */
  async moveOnDemand(keys: readonly string[]): Promise<void> {
    const transfers = this.#transfers;
    if (!this.#previous || !transfers) return;
    const moving: Array<{ key: string; from: string; to: string }> = [];
    for (const key of new Set(keys)) {
      const owner = this.#current.route(key);
      if (typeof owner !== 'string') continue;
      const old = this.oldOwner(key, owner);
      if (old !== undefined) moving.push({ key, from: old, to: owner });
    }
    const pairs = groupBy(moving, (entry) => `${entry.from}\u0000${entry.to}`);
    await Promise.all(
      [...pairs.values()].map((entries) => {
        const first = entries[0];
        if (!first) return undefined;
        return transfers.move(
          first.from,
          first.to,
          entries.map((entry) => entry.key),
        );
      }),
    );
  }
}
