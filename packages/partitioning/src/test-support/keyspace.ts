// Test keyspace shared by the integration tests: `count` keys of three kinds, each with a TTL
// (or none) derived from its index, so a check after a migration knows what each must hold.
import { expect } from 'vitest';
import type { PartitionedRedis } from '../index.js';

export interface WrittenKeyspace {
  readonly count: number;
  /** Bounds of the write, to turn relative TTLs into an expiry window. */
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Key of index `index`: every 20th is a hash, others strings; tagged pairs share a node. */
export function keyOf(index: number): string {
  return index % 20 === 0 ? `hash:{user:${index}}` : `user:${index}`;
}

/** TTL of key `index` in ms, or undefined (every 10th key has none). */
export function ttlOf(index: number): number | undefined {
  // Minutes apart, so that a TTL reset or swapped by a move shows through the 5 s slack below.
  return index % 10 === 5 ? undefined : 3_600_000 + (index % 100) * 60_000;
}

/** Writes the keyspace in pipelined chunks. */
export async function writeKeyspace(
  partitioning: PartitionedRedis,
  count: number,
): Promise<WrittenKeyspace> {
  const startedAt = Date.now();
  const chunk = 10_000;
  for (let offset = 0; offset < count; offset += chunk) {
    const pipeline = partitioning.pipeline();
    for (let index = offset; index < Math.min(count, offset + chunk); index++) {
      const key = keyOf(index);
      const ttlMs = ttlOf(index);
      if (index % 20 === 0) {
        pipeline.hset(key, 'name', `user ${index}`);
        if (ttlMs !== undefined) pipeline.pexpire(key, ttlMs);
      } else {
        pipeline.set(key, `value:${index}`, ttlMs === undefined ? {} : { ttlMs });
      }
    }
    for (const [error] of await pipeline.exec()) if (error) throw error;
  }
  return { count, startedAt, endedAt: Date.now() };
}

/**
 * Checks that every key is there once, on its owner, with its value and TTL: 0 lost,
 * 0 duplicated, 0 misplaced, TTLs kept (absolute expiry within the write window).
 */
export async function expectKeyspaceIntact(
  partitioning: PartitionedRedis,
  keyspace: WrittenKeyspace,
): Promise<{
  misplaced: number;
  lost: number;
  duplicated: number;
  ttlMismatches: number;
}> {
  const report = await partitioning.validate();
  const { count } = keyspace;
  // Chunks keep each command's wait for its reply short on a loaded machine.
  const replies: Array<[Error | null, unknown]> = [];
  const chunk = 10_000;
  for (let offset = 0; offset < count; offset += chunk) {
    const pipeline = partitioning.pipeline();
    for (let index = offset; index < Math.min(count, offset + chunk); index++) {
      const key = keyOf(index);
      if (index % 20 === 0) pipeline.hget(key, 'name');
      else pipeline.get(key);
      // Absolute expiry (Redis 7): independent of when the check runs.
      pipeline.command('pexpiretime', key, key);
    }
    replies.push(...(await pipeline.exec()));
  }
  let lost = 0;
  let ttlMismatches = 0;
  const mismatches: string[] = [];
  for (let index = 0; index < count; index++) {
    const [valueError, value] = replies[index * 2] ?? [null, null];
    const [ttlError, expiry] = replies[index * 2 + 1] ?? [null, null];
    if (valueError || ttlError) throw valueError ?? ttlError;
    const expected = index % 20 === 0 ? `user ${index}` : `value:${index}`;
    if (value !== expected) {
      lost++;
      continue;
    }
    const ttlMs = ttlOf(index);
    const expiresAt = Number(expiry);
    // A move may shift the expiry by the time a batch takes in flight (DUMP/RESTORE does not
    // count the RESTORE round trip): seconds at worst on a loaded machine, never minutes.
    const ok =
      ttlMs === undefined
        ? expiresAt === -1
        : expiresAt >= keyspace.startedAt + ttlMs - 5_000 &&
          expiresAt <= keyspace.endedAt + ttlMs + 5_000;
    if (!ok) {
      ttlMismatches++;
      if (mismatches.length < 5) {
        mismatches.push(
          `${keyOf(index)}: expires ${expiresAt - keyspace.startedAt - (ttlMs ?? 0)} ms after write start + ttl (write took ${keyspace.endedAt - keyspace.startedAt} ms)`,
        );
      }
    }
  }
  const duplicated = report.scannedKeys - (count - lost);
  expect({
    misplaced: report.misplacedCount,
    duplicates: report.duplicateCount,
    unroutable: report.unroutableCount,
    lost,
    duplicated,
    ttlMismatches,
    mismatches,
  }).toEqual({
    misplaced: 0,
    duplicates: 0,
    unroutable: 0,
    lost: 0,
    duplicated: 0,
    ttlMismatches: 0,
    mismatches: [],
  });
  return { misplaced: report.misplacedCount, lost, duplicated, ttlMismatches };
}
