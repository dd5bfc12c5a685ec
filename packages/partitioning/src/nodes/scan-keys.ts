import type { Redis } from 'ioredis';
import { isReservedKey } from '../migration/reserved-keys.js';

/** Options of {@link scanKeys}. */
export interface ScanOptions {
  /** SCAN COUNT hint: keys examined per round trip. */
  readonly count: number;
  /** SCAN MATCH pattern; default every key. */
  readonly match?: string | undefined;
  /** Cursor to start from (a checkpoint); default '0'. */
  readonly cursor?: string;
}

/**
 * Pages of keys of one node (RedGrid's reserved keys left out), with the cursor after each
 * page. SCAN semantics: a key present for the whole scan is seen at least once; keys added or
 * removed meanwhile may or may not be; a key can repeat (callers must be idempotent).
 */
export async function* scanKeys(
  client: Redis,
  options: ScanOptions,
): AsyncGenerator<{ keys: string[]; cursor: string }> {
  let cursor = options.cursor ?? '0';
  do {
    const [next, found] =
      options.match === undefined
        ? await client.scan(cursor, 'COUNT', options.count)
        : await client.scan(cursor, 'MATCH', options.match, 'COUNT', options.count);
    cursor = next;
    yield { keys: found.filter((key) => !isReservedKey(key)), cursor };
  } while (cursor !== '0');
}
