import { asCommandClient, escapeGlob, groupBySlot, isCluster } from './command-client.js';

const DELETE_BATCH = 500;

/**
 * Deletes every key of an ioredis `Redis` or `Cluster` that starts with `prefix`: `SCAN MATCH`
 * on every master of a cluster (or the one server), `UNLINK` batch by batch through the main
 * client (which follows `MOVED` if a slot moves meanwhile); returns how many keys it deleted.
 * Not atomic: keys written meanwhile may survive. Gotcha: an empty prefix deletes every key of
 * the database. What `ResilientStore.deleteByPrefix` and `RateLimiter.resetAll` run on Redis.
 */
export async function deleteByPrefix(client: object, prefix: string): Promise<number> {
  const commands = asCommandClient(client);
  const cluster = isCluster(commands);
  const pattern = `${escapeGlob(prefix)}*`;
  const nodes = cluster && commands.nodes ? commands.nodes('master') : [commands];
  const counts = await Promise.all(
    nodes.map(async (node) => {
      let deleted = 0;
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', DELETE_BATCH);
        cursor = next;
        if (keys.length > 0) {
          const groups = groupBySlot(keys, cluster);
          const removed = await Promise.all(
            groups.map((group) => commands.unlink(...group.map((index) => keys[index] ?? ''))),
          );
          deleted += removed.reduce((sum, count) => sum + count, 0);
        }
      } while (cursor !== '0');
      return deleted;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
