import { CrossSlotError, keySlot } from '@redgrid/core';
import type { ClusterLike, CommandLike } from '../ioredis/internals.js';

interface PipelineLike {
  exec: (...args: unknown[]) => unknown;
  _queue?: CommandLike[];
  /** The pipeline's own promise (what `exec` returns), settled by `reject`. */
  promise?: Promise<unknown>;
  reject?: (error: Error) => void;
  /** Set once the exec callback is attached to `promise` (ioredis' own flag). */
  nodeifiedPromise?: boolean;
}

type PipelineFactory = (...args: unknown[]) => unknown;

function isPipelineLike(value: unknown): value is PipelineLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PipelineLike).exec === 'function'
  );
}

/**
 * The cross-slot error a cluster pipeline would run into, or undefined when it can run. A
 * transaction (MULTI/EXEC) needs every key in one slot (Redis answers CROSSSLOT otherwise); a
 * plain pipeline needs each command's keys in one slot and every command on one master
 * (ioredis' rule, since it writes a pipeline to one node). `masterOf(slot)` returns the node
 * serving a slot, or undefined when the slot map is not known yet (then only per-command and
 * transaction checks apply).
 */
export function findCrossSlot(
  commands: readonly CommandLike[],
  transaction: boolean,
  masterOf: (slot: number) => string | undefined,
): CrossSlotError | undefined {
  let firstSlot: number | undefined;
  let firstMaster: string | undefined;
  const seen: string[] = [];
  for (const command of commands) {
    const keys = command.getKeys?.() ?? [];
    if (keys.length === 0) continue;
    let commandSlot: number | undefined;
    for (const key of keys) {
      const slot = keySlot(key);
      seen.push(String(key));
      if (commandSlot === undefined) commandSlot = slot;
      else if (slot !== commandSlot) {
        return new CrossSlotError({ keys: keys.map(String) });
      }
      if (firstSlot === undefined) {
        firstSlot = slot;
        firstMaster = masterOf(slot);
      } else if (transaction ? slot !== firstSlot : differentMaster(firstMaster, masterOf(slot))) {
        return new CrossSlotError({
          keys: seen,
          message: transaction
            ? `Keys ${describe(seen)} of one MULTI/EXEC transaction do not hash to the same slot; give them a common hash tag such as "{user:42}"`
            : `Keys ${describe(seen)} of one pipeline are served by different cluster nodes; give them a common hash tag such as "{user:42}" or split the pipeline`,
        });
      }
    }
  }
  return undefined;
}

function differentMaster(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a !== b;
}

function describe(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((key) => JSON.stringify(key));
  if (keys.length > 5) shown.push(`and ${keys.length - 5} more`);
  return shown.join(', ');
}

/**
 * Fails the pipeline through its own promise, as ioredis does: `exec` may be called again by
 * ioredis itself (a cluster not ready yet re-runs `exec` once it knows the slots), and only the
 * first call's return value reaches the caller, so a fresh rejected promise would be lost.
 */
function refuse(pipeline: PipelineLike, error: Error, args: unknown[]): unknown {
  const callback = args.find((arg) => typeof arg === 'function') as
    | ((error: Error | null, result?: unknown) => void)
    | undefined;
  if (pipeline.promise === undefined || pipeline.reject === undefined) {
    if (callback !== undefined) process.nextTick(callback, error);
    return Promise.reject(error);
  }
  if (callback !== undefined && pipeline.nodeifiedPromise !== true) {
    pipeline.nodeifiedPromise = true;
    pipeline.promise.then(
      (result) => callback(null, result),
      (reason: Error) => callback(reason),
    );
  }
  pipeline.reject(error);
  return pipeline.promise;
}

/**
 * Makes `cluster.pipeline()` and `cluster.multi()` fail with a `CrossSlotError` naming the
 * keys, before anything is sent, instead of ioredis' generic message or a CROSSSLOT reply.
 * Auto-pipelines (built by ioredis per node) are not checked. Returns an undo function.
 */
export function guardClusterPipelines(cluster: ClusterLike): () => void {
  const target = cluster as unknown as { pipeline: PipelineFactory; multi: PipelineFactory };
  const pipeline = target.pipeline;
  const multi = target.multi;
  const masterOf = (slot: number) => cluster.slots[slot]?.[0];

  const wrap = (created: unknown, transaction: boolean): unknown => {
    if (!isPipelineLike(created)) return created; // multi({ pipeline: false }) returns a promise
    const exec = created.exec;
    created.exec = function (this: PipelineLike, ...args: unknown[]) {
      // ioredis' auto-pipelines carry its private symbols; they never mix nodes.
      if (Object.getOwnPropertySymbols(this).length === 0 && Array.isArray(this._queue)) {
        const error = findCrossSlot(this._queue, transaction, masterOf);
        if (error !== undefined) return refuse(this, error, args);
      }
      return exec.apply(this, args);
    };
    return created;
  };

  target.pipeline = function (this: unknown, ...args: unknown[]) {
    return wrap(pipeline.apply(this, args), false);
  };
  target.multi = function (this: unknown, ...args: unknown[]) {
    return wrap(multi.apply(this, args), true);
  };
  return () => {
    target.pipeline = pipeline;
    target.multi = multi;
  };
}
