import type { Address } from '@redgrid/core';
import { parseAddress } from '../ioredis/addresses.js';
import type { ClusterLike } from '../ioredis/internals.js';
import { detectMasterChanges } from './detect-master-changes.js';

/**
 * Remembers which master serves each slot of a cluster, to report a master whose slots a
 * replica took over (a cluster failover) when the slots are refreshed.
 */
export class SlotMasterWatch {
  #slotMasters: Array<string | undefined> = [];

  /** The master changes since the last refresh (none on the first). */
  refreshed(cluster: ClusterLike): Array<{ from: Address; to: Address }> {
    const current = Array.from({ length: 16_384 }, (_, slot) => cluster.slots[slot]?.[0]);
    const changes =
      this.#slotMasters.length === 0
        ? []
        : detectMasterChanges(this.#slotMasters, current).map((change) => ({
            from: parseAddress(change.from),
            to: parseAddress(change.to),
          }));
    this.#slotMasters = current;
    return changes;
  }
}
