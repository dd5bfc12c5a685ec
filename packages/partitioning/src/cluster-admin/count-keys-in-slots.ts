import type { Redis } from 'ioredis';
import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import { pipelined } from './slot-mover.js';

/**
 * `CLUSTER COUNTKEYSINSLOT` for `slots` on one node, 1000 per round trip: O(1) each on the
 * server, so counting all 16384 slots of a cluster costs a few dozen round trips.
 */
export async function countKeysInSlots(
  client: Redis,
  slots: readonly number[],
  address: string,
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (let start = 0; start < slots.length; start += 1000) {
    const chunk = slots.slice(start, start + 1000);
    const replies = await pipelined(
      client,
      chunk.map((slot) => ['CLUSTER', 'COUNTKEYSINSLOT', slot]),
    );
    chunk.forEach((slot, index) => {
      const [error, count] = replies[index] ?? [null, 0];
      if (error) {
        throw new ClusterAdminError(
          {
            reason: 'failed',
            message: `${address}: CLUSTER COUNTKEYSINSLOT ${slot}: ${error.message}`,
          },
          { cause: error },
        );
      }
      counts.set(slot, Number(count));
    });
  }
  return counts;
}
