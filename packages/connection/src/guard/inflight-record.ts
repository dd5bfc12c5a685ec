import type { CommandLike } from '../ioredis/internals.js';
import type { DeadlineEntry } from './deadline-list.js';

/** Where the guard keeps its bookkeeping on an ioredis command. */
export const recordKey: unique symbol = Symbol('redgrid.command');
/** Marks a connection set-up command: sent as it is, outside the breaker and deadlines. */
export const exempt: unique symbol = Symbol('redgrid.exempt');

/**
 * What the guard keeps on a command: its live record while in flight; once settled, the promise
 * it settled (to tell a late resend of the same attempt from a retry ioredis re-initialised);
 * `exempt` for connection set-up commands.
 */
export interface GuardedCommand extends CommandLike {
  [recordKey]?: InflightRecord | Promise<unknown> | typeof exempt;
}

/** A batch of fenced writes on one connection, confirmed together by one `WAIT`. */
export interface FenceBatchLike {
  readonly records: Set<InflightRecord>;
}

/**
 * Bookkeeping of one command in flight. Records are recycled through a free list once their
 * command settles: allocating one per command measurably adds to the GC work of a busy client.
 */
export class InflightRecord implements DeadlineEntry<InflightRecord> {
  prev: InflightRecord | undefined = undefined;
  next: InflightRecord | undefined = undefined;
  listed = false;
  command: GuardedCommand | undefined = undefined;
  promise: Promise<unknown> | undefined = undefined;
  /** The command's own `resolve` / `reject`, called after the bookkeeping. */
  resolve: ((value: unknown) => unknown) | undefined = undefined;
  reject: ((error: Error) => unknown) | undefined = undefined;
  name = '';
  startMs = 0;
  deadlineMs = 0;
  timeoutMs = 0;
  group: PipelineGroup | undefined = undefined;
  /** The connection it was last written to while that connection was ready (resend counting). */
  writtenTo: object | undefined = undefined;
  /** Times it was written again after a lost connection. */
  resends = 0;
  /** Sends it again through the cluster (a cluster command alone, not a pipeline member). */
  retryVia: (() => unknown) | undefined = undefined;
  /** A write under the write fence: its reply waits for the replicas' confirmation. */
  fenced = false;
  /** The fence batch (one `WAIT`) that confirms it, while it waits. */
  batch: FenceBatchLike | undefined = undefined;
  /** The server replied; the reply is held in `reply` until the batch is confirmed. */
  replied = false;
  reply: unknown = undefined;

  reset(): void {
    this.command = undefined;
    this.promise = undefined;
    this.resolve = undefined;
    this.reject = undefined;
    this.group = undefined;
    this.writtenTo = undefined;
    this.resends = 0;
    this.retryVia = undefined;
    this.fenced = false;
    this.batch = undefined;
    this.replied = false;
    this.reply = undefined;
  }
}

/**
 * One admission of the breaker shared by every command of one pipeline execution (ioredis
 * writes a pipeline only once every member is handed over, so it is admitted or refused whole).
 */
export class PipelineGroup {
  /** Why the breaker refused the pipeline: every member fails with it. */
  rejection: Error | undefined;
  /** Held whole by the write fence during a failover. */
  held = false;
}
