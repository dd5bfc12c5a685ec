import { createHash } from 'node:crypto';
import { RedGridError } from '@redgrid/core';
import type { Redis } from 'ioredis';
import { execPipeline } from '../nodes/exec-pipeline.js';
import { deleteIfUnchangedScript, dumpWithTtlScript } from './move-scripts.js';

/** What happened to the keys of one moved batch. */
export interface MoveOutcome {
  /** Copied to the target and deleted from the source. */
  moved: number;
  /**
   * The target already had the key (written there during the migration, or copied by an
   * earlier, interrupted attempt): the target's value is kept, the source copy dropped.
   */
  alreadyOnTarget: number;
  /** Expired while being moved: not restored, nothing left behind. */
  expired: number;
  /** Gone from the source before it could be moved (deleted or expired meanwhile). */
  vanished: number;
  /** Changed on the source while being moved: the copy was undone; move these again. */
  retry: string[];
  /** Changed on the source and present on the target with another value: left on both. */
  conflicts: string[];
}

/** Where a MIGRATE command sends keys: the target as the source server can reach it. */
export interface MigrateTarget {
  host: string;
  port: number;
  db: number;
  username?: string | undefined;
  password?: string | undefined;
}

/** An empty outcome, to accumulate into. */
export function emptyOutcome(): MoveOutcome {
  return {
    moved: 0,
    alreadyOnTarget: 0,
    expired: 0,
    vanished: 0,
    retry: [],
    conflicts: [],
  };
}

/** Adds `addition` into `total`. */
export function addOutcome(total: MoveOutcome, addition: MoveOutcome): void {
  total.moved += addition.moved;
  total.alreadyOnTarget += addition.alreadyOnTarget;
  total.expired += addition.expired;
  total.vanished += addition.vanished;
  total.retry.push(...addition.retry);
  total.conflicts.push(...addition.conflicts);
}

function sha1(payload: Buffer): string {
  return createHash('sha1').update(payload).digest('hex');
}

function isBusyKey(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('BUSYKEY');
}

/**
 * Moves keys with DUMP / RESTORE / compare-and-delete, all through the client, so it works
 * wherever the client reaches both nodes (TLS, NAT, managed Redis without MIGRATE). Three
 * pipelined round trips per batch:
 *
 * 1. source: DUMP + PTTL of each key, atomically (Lua);
 * 2. target: RESTORE with the remaining TTL (minus the time spent), never REPLACE: a key the
 *    target already has was written there during the migration and is newer;
 * 3. source: delete each key only if it is unchanged since step 1 (Lua, SHA-1 of the DUMP).
 *
 * A key changed or deleted on the source meanwhile has its copy undone on the target (again
 * only if the target still holds exactly that copy), so a delete during the move cannot
 * resurrect it. Repeating a batch is harmless: that is what makes migrations resumable.
 */
export async function dumpRestoreKeys(
  source: Redis,
  target: Redis,
  keys: readonly string[],
): Promise<MoveOutcome> {
  const outcome = emptyOutcome();
  if (keys.length === 0) return outcome;
  const dumpPipeline = source.pipeline();
  for (const key of keys) dumpPipeline.callBuffer('EVAL', dumpWithTtlScript, 1, key);
  // Measured from before the dump is sent, so the TTL given to RESTORE errs on the short
  // side: a moved key may expire a few ms early, never late.
  const dumpedAt = performance.now();
  const dumped = await execPipeline(dumpPipeline);

  interface Copy {
    key: string;
    payload: Buffer;
    digest: string;
    restored: boolean;
    busy: boolean;
  }
  const copies: Copy[] = [];
  const restorePipeline = target.pipeline();
  const elapsedMs = () => Math.ceil(performance.now() - dumpedAt);
  keys.forEach((key, index) => {
    const [error, reply] = dumped[index] ?? [null, null];
    if (error) throw error;
    if (!Array.isArray(reply)) {
      outcome.vanished++;
      return;
    }
    const [payload, pttl] = reply as [Buffer, number];
    let ttlMs = 0;
    if (pttl >= 0) {
      ttlMs = pttl - elapsedMs();
      if (ttlMs <= 0) {
        // Expired in flight; the source copy is dropped in step 3.
        copies.push({
          key,
          payload,
          digest: sha1(payload),
          restored: false,
          busy: false,
        });
        outcome.expired++;
        return;
      }
    }
    copies.push({
      key,
      payload,
      digest: sha1(payload),
      restored: true,
      busy: false,
    });
    restorePipeline.call('RESTORE', key, ttlMs, payload);
  });
  if (copies.length === 0) return outcome;

  const restoring = copies.filter((copy) => copy.restored);
  const restored = restoring.length > 0 ? await execPipeline(restorePipeline) : [];
  restoring.forEach((copy, index) => {
    const [error] = restored[index] ?? [null];
    if (error === null) return;
    if (!isBusyKey(error)) throw error;
    copy.restored = false;
    copy.busy = true;
  });

  const deletePipeline = source.pipeline();
  for (const copy of copies)
    deletePipeline.call('EVAL', deleteIfUnchangedScript, 1, copy.key, copy.digest);
  const deleted = await execPipeline(deletePipeline);
  const undo: Copy[] = [];
  copies.forEach((copy, index) => {
    const [error, reply] = deleted[index] ?? [null, null];
    if (error) throw error;
    const isExpired = !copy.restored && !copy.busy;
    if (reply === 1) {
      if (copy.busy) outcome.alreadyOnTarget++;
      else if (!isExpired) outcome.moved++;
      return;
    }
    if (isExpired) return;
    if (reply === -1) {
      // Deleted (or expired) on the source during the move: it must not live on.
      if (copy.restored) undo.push(copy);
      outcome.vanished++;
      return;
    }
    // Changed on the source during the move.
    if (copy.restored) {
      undo.push(copy);
      outcome.retry.push(copy.key);
    } else {
      outcome.conflicts.push(copy.key);
    }
  });
  if (undo.length > 0) {
    const undoPipeline = target.pipeline();
    for (const copy of undo)
      undoPipeline.call('EVAL', deleteIfUnchangedScript, 1, copy.key, copy.digest);
    const undone = await execPipeline(undoPipeline);
    for (const [error] of undone) if (error) throw error;
  }
  return outcome;
}

/**
 * MIGRATE failed for a reason other than a key the target already has (the source server
 * cannot reach or authenticate to the target, a timeout, ...). Internal: the migration falls
 * back to DUMP/RESTORE for that pair of nodes.
 */
export class MigrateCommandError extends RedGridError {
  constructor(message: string, cause?: unknown) {
    super('ERR_MIGRATE_COMMAND', `MIGRATE failed: ${message}`, { cause });
    this.name = 'MigrateCommandError';
  }
}

/**
 * Moves keys with one MIGRATE command per batch (source server to target server, keeping
 * TTLs, never REPLACE). Atomic per key on the source: a key is either still there or on the
 * target, so concurrent deletes and reads cannot see it twice or lose it. The source server
 * must reach the target at `target.host:port` without TLS; a failure to do so rejects with a
 * `MigrateCommandError` (the caller falls back to DUMP/RESTORE).
 */
export async function migrateKeys(
  source: Redis,
  target: MigrateTarget,
  keys: readonly string[],
  timeoutMs: number,
): Promise<MoveOutcome> {
  const outcome = emptyOutcome();
  if (keys.length === 0) return outcome;
  const auth =
    target.password === undefined
      ? []
      : target.username === undefined
        ? ['AUTH', target.password]
        : ['AUTH2', target.username, target.password];
  let failure: Error | undefined;
  try {
    await source.call(
      'MIGRATE',
      target.host,
      target.port,
      '',
      target.db,
      timeoutMs,
      ...auth,
      'KEYS',
      ...keys,
    );
    outcome.moved = keys.length;
    return outcome;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    failure = error;
  }
  // Some keys failed (MIGRATE deletes from the source those the target accepted). Those still
  // on the source: if the target has them too, its copy is newer (or identical): drop ours.
  const existsPipeline = source.pipeline();
  for (const key of keys) existsPipeline.exists(key);
  const onSource = await execPipeline(existsPipeline);
  const remaining = keys.filter((_, index) => onSource[index]?.[1] === 1);
  outcome.moved = keys.length - remaining.length;
  if (remaining.length === 0) return outcome;
  if (!failure.message.includes('BUSYKEY')) throw new MigrateCommandError(failure.message, failure);
  // BUSYKEY: the target holds a value written during the migration (or copied by an
  // interrupted earlier run); it wins.
  const deletePipeline = source.pipeline();
  for (const key of remaining) deletePipeline.del(key);
  await execPipeline(deletePipeline);
  outcome.alreadyOnTarget = remaining.length;
  return outcome;
}
