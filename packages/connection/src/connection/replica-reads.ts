import { exists, hasFlag } from '@ioredis/commands';
import type { ReadFrom } from '@redgrid/core';
import type { CommandRoute } from '../guard/command-guard-options.js';
import type { InstanceLike } from '../ioredis/internals.js';

const readOnlyCache = new Map<string, boolean>();

/** True for a command that only reads (`readonly` in Redis' command table), in any case. */
export function isReadOnlyCommand(name: string): boolean {
  let readOnly = readOnlyCache.get(name);
  if (readOnly === undefined) {
    const lower = name.toLowerCase();
    readOnly = exists(lower) && hasFlag(lower, 'readonly');
    if (readOnlyCache.size < 1_000) readOnlyCache.set(name, readOnly);
  }
  return readOnly;
}

/**
 * The route that sends read-only commands of a Sentinel master's connection to a replica
 * connection: always (`'replica'`: while the replica connection is down they wait in its queue,
 * within the deadline), or only while it is ready (`'prefer-replica'`: else the master answers).
 * Pipelines, transactions and subscriber connections stay on the master: their commands must
 * be written on one socket, and a read inside a transaction must see the transaction's writes.
 */
export function replicaReadRoute(
  primary: InstanceLike,
  replica: InstanceLike,
  mode: Exclude<ReadFrom, 'master'>,
): CommandRoute {
  // MULTI or WATCH sent as lone commands: the reads that follow belong with them on the master.
  let transaction = false;
  return (command, stream) => {
    const name = command.name.toLowerCase();
    if (name === 'multi' || name === 'watch') transaction = true;
    else if (name === 'exec' || name === 'discard' || name === 'unwatch') transaction = false;
    if (stream !== undefined || transaction || command.inTransaction === true) return undefined;
    if (primary.condition?.subscriber || !isReadOnlyCommand(name)) return undefined;
    if (mode === 'prefer-replica' && replica.status !== 'ready') return undefined;
    return replica;
  };
}
