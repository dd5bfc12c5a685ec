import type { Redis } from 'ioredis';
import { checkpointKey } from '../migration/reserved-keys.js';

/** Keys on a node (DBSIZE), RedGrid's reserved key excluded. */
export async function countKeys(client: Redis): Promise<number> {
  const [size, reserved] = await Promise.all([client.dbsize(), client.exists(checkpointKey)]);
  return size - reserved;
}
