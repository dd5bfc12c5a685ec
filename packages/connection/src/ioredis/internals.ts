import type { Socket } from 'node:net';

// Every ioredis internal this package relies on is named here, with the narrowest type that
// works on ioredis 5.4+ and 6.x, so that an upgrade has one file to review. None of these are
// part of ioredis' documented API; `internals.test.ts` checks that they still exist.
//
// - `instance.sendCommand(command, stream?, node?)`: the one method every command of a `Redis`
//   or `Cluster` goes through (single commands, pipelines, MULTI/EXEC, scripts, auto-pipelines,
//   offline-queue flushes, resends after reconnect). It is looked up on the instance, so an own
//   property shadows the prototype method for that instance only.
// - `command.resolve` / `command.reject` / `command.promise`: assigned per command by
//   `Command#initPromise`; replies, errors and flushes all settle a command through them.
// - a pipeline passes `stream = { isPipeline: true, ... }` for each of its commands, written in
//   one synchronous loop, and only writes to the socket once every command has called
//   `stream.write`: a pipeline must be admitted or refused as a whole.
// - `instance.status`, `offlineQueue.length`, `commandQueue.length`, `condition.subscriber`.
// - Cluster: `connectionPool` ('+node' / '-node' events), `refreshSlotsCache()`, `slots`.

/** The ioredis `Command` fields this package reads or wraps. */
export interface CommandLike {
  name: string;
  args: unknown[];
  promise: Promise<unknown>;
  resolve: (value: unknown) => unknown;
  reject: (error: Error) => unknown;
  getKeys?: () => Array<string | Buffer>;
  /** Set by ioredis' Pipeline on each of its commands. */
  pipelineIndex?: number;
  /** Set by ioredis' Pipeline on commands between MULTI and EXEC. */
  inTransaction?: boolean;
}

/** The `stream` argument ioredis' Pipeline passes with each of its commands. */
export interface PipelineStreamLike {
  isPipeline?: boolean;
}

/** Signature of `Redis#sendCommand` and `Cluster#sendCommand`. */
export type SendCommand = (command: CommandLike, stream?: unknown, node?: unknown) => unknown;

/** A `Redis` or `Cluster` instance, seen through the internals used here. */
export interface InstanceLike {
  status: string;
  sendCommand: SendCommand;
  isCluster?: boolean;
  offlineQueue?: { length: number };
  commandQueue?: { length: number };
  stream?: Socket;
  condition?: { subscriber?: unknown; select?: number } | null;
  options: Record<string, unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  disconnect(reconnect?: boolean): void;
}

/** A `Cluster` instance, seen through the internals used here. */
export interface ClusterLike extends InstanceLike {
  isCluster: true;
  slots: Array<string[] | undefined>;
  refreshSlotsCache(callback?: (error?: Error) => void): void;
  nodes(role?: 'all' | 'master' | 'slave'): InstanceLike[];
  connectionPool?: { redisOptions?: Record<string, unknown> };
}

/** True when `value` looks like an ioredis Cluster (duck-typed: works across ioredis copies). */
export function isClusterLike(value: InstanceLike): value is ClusterLike {
  return value.isCluster === true && typeof (value as Partial<ClusterLike>).nodes === 'function';
}

/** True when the `stream` argument of `sendCommand` belongs to a pipeline. */
export function isPipelineStream(stream: unknown): stream is PipelineStreamLike & object {
  return (
    typeof stream === 'object' &&
    stream !== null &&
    (stream as PipelineStreamLike).isPipeline === true
  );
}

/** Commands waiting in ioredis' offline queue of one instance (0 when unknown). */
export function offlineQueueLength(instance: InstanceLike): number {
  return instance.offlineQueue?.length ?? 0;
}

/** Commands written and awaiting a reply on one instance (0 when unknown). */
export function commandQueueLength(instance: InstanceLike): number {
  return instance.commandQueue?.length ?? 0;
}
