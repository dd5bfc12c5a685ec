import {
  type CircuitBreaker,
  CommandRetriesExhaustedError,
  CommandTimeoutError,
  ConnectionClosedError,
  CrossSlotError,
  RedGridError,
  WriteNotConfirmedError,
} from '@redgrid/core';
import { WriteFence, type WriteFenceOptions } from '../fence/write-fence.js';
import {
  type CommandLike,
  type InstanceLike,
  isClusterLike,
  isPipelineStream,
  type SendCommand,
} from '../ioredis/internals.js';
import type { CommandMetrics, CommandOutcome } from '../metrics/command-metrics.js';
import { blockingTimeoutMs } from './blocking-timeout-ms.js';
import { DeadlineList } from './deadline-list.js';
import {
  exempt,
  type GuardedCommand,
  InflightRecord,
  PipelineGroup,
  recordKey,
} from './inflight-record.js';
import { isFailoverInProgress } from './is-connection-failure.js';

/** What the guard reports about each finished command (metrics hook, audit log). */
export interface CommandEvent {
  /** Command name in upper case, e.g. `GET`. Never its arguments. */
  readonly command: string;
  /** How the command ended. */
  readonly outcome: CommandOutcome;
  /** From the guarded send to the reply, in ms (0 for `rejected`). */
  readonly durationMs: number;
  /** The error delivered to the caller, when there was one. */
  readonly error?: Error;
  /** The ioredis command, to read its keys for an audit log (do not keep it). */
  readonly source: CommandLike | undefined;
  /** The connection it was last written to, when it was written (do not keep it). */
  readonly node?: InstanceLike | undefined;
}

/**
 * Picks the instance that writes a command sent to a guarded instance: another connection to
 * the same server (never guarded itself), or undefined to write it on the guarded one.
 */
export type CommandRoute = (command: CommandLike, stream: unknown) => InstanceLike | undefined;

/** Options of {@link CommandGuard}. */
export interface CommandGuardOptions {
  breaker: CircuitBreaker;
  /** Deadline of each command, from the moment it is sent; 0 disables deadlines. */
  commandTimeoutMs: number;
  metrics: CommandMetrics;
  /** Same predicate as the breaker's: decides `failure` vs `reply-error`. */
  isFailure: (error: unknown) => boolean;
  /** Called once per finished command when set (metrics hooks, audit). */
  onCommand?: ((event: CommandEvent) => void) | undefined;
  /**
   * Replaces the error a command is about to be rejected with (e.g. ioredis' "Connection is
   * closed." by the `AuthError` that caused it). Return `error` itself to keep it.
   */
  translateError?: ((error: Error) => Error) | undefined;
  /**
   * How many times a command already written to a connection may be written again after that
   * connection is lost (ioredis resends unanswered commands on reconnect), on the instances
   * attached with `countResends`. Past it the command fails with `CommandRetriesExhaustedError`.
   * null or undefined: no limit (the deadline still bounds the wait).
   */
  maxResends?: number | null | undefined;
  /** The write fence (holds writes during failovers, confirms them with `WAIT`); none when absent. */
  fence?: Omit<WriteFenceOptions, 'host'> | undefined;
  /** Wait before a cluster command given up on a lost connection is sent again, in ms. Default 100. */
  clusterRetryDelayMs?: number | undefined;
  /** Time source in ms. Default `performance.now`. */
  clock?: (() => number) | undefined;
}

/** How {@link CommandGuard.attach} guards one instance. */
export interface AttachOptions {
  /**
   * Count resends of written commands on this instance against `maxResends`. For the
   * instances whose own reconnects resend commands (a single server, a Sentinel master); a
   * cluster's retries are bounded by the deadline instead.
   */
  countResends?: boolean;
}

interface GuardedStream {
  [groupKey]?: PipelineGroup;
}

const groupKey: unique symbol = Symbol('redgrid.pipeline');

// Commands ioredis sends by itself to set a connection up or to follow a redirection. They
// bypass the breaker and the deadline: refusing the handshake of a reconnect while the breaker
// is open would keep the breaker from ever seeing the server come back. (P/S)SUBSCRIBE are
// connection state too: ioredis re-sends them by itself after a reconnect (autoResubscribe)
// and never handles that promise, so refusing them while the breaker is still open would
// surface as an unhandled rejection.
const connectionCommands = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'auth',
  'hello',
  'select',
  'client',
  'readonly',
  'readwrite',
  'asking',
  'quit',
]);
// Sent by ioredis' ready checks before the instance is ready (INFO; CLUSTER INFO for a cluster).
const readyCheckCommands = new Set(['info', 'cluster']);

const maxFreeRecords = 1024;

/**
 * Sits in `sendCommand` of every ioredis instance it is attached to and gives each command a
 * circuit-breaker admission, a deadline and metrics, without a timer or a promise per command:
 * the command's own `resolve`/`reject` are wrapped, deadlines live in one ordered list swept by
 * one interval. A pipeline (or MULTI/EXEC, or an auto-pipeline batch) is admitted as a whole,
 * because ioredis only writes it once every member has been handed over. Commands refused by
 * the breaker are rejected before ioredis sees them, so nothing reaches a socket.
 */
export class CommandGuard {
  readonly #breaker: CircuitBreaker;
  readonly #timeoutMs: number;
  readonly #metrics: CommandMetrics;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #onCommand: ((event: CommandEvent) => void) | undefined;
  readonly #translateError: ((error: Error) => Error) | undefined;
  readonly #maxResends: number | undefined;
  readonly #clusterRetryDelayMs: number;
  /** The write fence, when the connection has one. */
  readonly fence: WriteFence | undefined;
  /** Instances whose resends count against `maxResends`. */
  readonly #countsResends = new WeakSet<InstanceLike>();
  #fatalError: Error | undefined;
  readonly #clock: () => number;
  readonly #deadlines = new DeadlineList<InflightRecord>();
  /** Commands without a deadline (blocking forever, or deadlines disabled), for close(). */
  readonly #unbounded = new Set<InflightRecord>();
  readonly #routes = new Map<InstanceLike, readonly CommandRoute[]>();
  readonly #freeRecords: InflightRecord[] = [];
  #inFlight = 0;
  #closed = false;
  #sweeper: NodeJS.Timeout | undefined;

  // Installed as `resolve` / `reject` of every guarded command. ioredis always calls them as
  // methods of the command (`command.resolve(reply)`, `reject.call(command, error)`), so one
  // pair of functions per guard replaces two closures per command.
  readonly #resolveCommand: (this: GuardedCommand, value: unknown) => unknown;
  readonly #rejectCommand: (this: GuardedCommand, error: Error) => unknown;

  constructor(options: CommandGuardOptions) {
    const guard = this;
    this.#resolveCommand = function (this: GuardedCommand, value: unknown) {
      const record = this[recordKey];
      // Not in flight any more (a late reply after the deadline): its promise is settled.
      if (!(record instanceof InflightRecord)) return undefined;
      if (record.batch !== undefined) {
        // A fenced write: the reply waits for its batch's WAIT (see WriteFence).
        record.replied = true;
        record.reply = value;
        return undefined;
      }
      return guard.#deliver(record, value);
    };
    this.#rejectCommand = function (this: GuardedCommand, error: Error) {
      const record = this[recordKey];
      if (!(record instanceof InflightRecord)) return undefined;
      if (guard.#retryLater(this, record, error)) return undefined;
      let delivered = error;
      if (record.replied && CommandTimeoutError.isInstance(error)) {
        // The write was applied; what timed out is its confirmation.
        delivered = new WriteNotConfirmedError({
          command: record.name.toUpperCase(),
          replicasRequired: guard.fence?.replicas ?? 0,
          reason: 'timeout',
        });
      }
      guard.fence?.forget(record);
      const reject = record.reject as (error: Error) => unknown;
      return reject.call(this, guard.#settle(record, delivered));
    };
    this.#breaker = options.breaker;
    this.#timeoutMs = Math.max(options.commandTimeoutMs, 0);
    this.#metrics = options.metrics;
    this.#isFailure = options.isFailure;
    this.#onCommand = options.onCommand;
    this.#translateError = options.translateError;
    this.#maxResends = options.maxResends ?? undefined;
    this.#clusterRetryDelayMs = Math.max(options.clusterRetryDelayMs ?? 100, 1);
    this.fence =
      options.fence === undefined
        ? undefined
        : new WriteFence({
            ...options.fence,
            host: {
              confirm: (record) => {
                if (record.command !== undefined) this.#deliver(record, record.reply);
              },
              fail: (record, error) => {
                if (record.command !== undefined) this.#rejectCommand.call(record.command, error);
              },
            },
          });
    this.#clock = options.clock ?? batchedNow;
  }

  /** Settles `record` as a success and hands `value` to its caller. */
  #deliver(record: InflightRecord, value: unknown): unknown {
    const command = record.command;
    const resolve = record.resolve as (value: unknown) => unknown;
    this.#settle(record, undefined);
    return resolve.call(command, value);
  }

  /** Commands sent and not yet settled. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * How late a deadline may fire, in ms: the sweep interval. A command fails between
   * `commandTimeoutMs` and `commandTimeoutMs + sweepIntervalMs` after it was sent.
   */
  get sweepIntervalMs(): number {
    return sweepInterval(this.#timeoutMs);
  }

  /**
   * Starts the deadline sweeper (an unref'd interval, so it never keeps the process alive).
   * Idempotent; `close()` stops it.
   */
  start(): void {
    if (this.#sweeper !== undefined || this.#closed || this.#timeoutMs === 0) return;
    this.#sweeper = setInterval(() => this.sweep(), this.sweepIntervalMs);
    this.#sweeper.unref();
  }

  /**
   * Guards `instance`: replaces its `sendCommand` with a guarded one (an own property, so only
   * this instance is affected). Returns a function that restores the original.
   */
  attach(instance: InstanceLike, options: AttachOptions = {}): () => void {
    if (options.countResends === true) this.#countsResends.add(instance);
    const original = instance.sendCommand;
    const guarded: SendCommand = (command, stream, node) =>
      this.#send(instance, original, command as GuardedCommand, stream, node);
    instance.sendCommand = guarded;
    return () => {
      if (instance.sendCommand === guarded) instance.sendCommand = original;
    };
  }

  /** Rejects every command whose deadline has passed. Called by the sweeper; public for tests. */
  sweep(nowMs: number = this.#clock()): number {
    return this.#deadlines.expire(nowMs, (record) => {
      // Our own reject, below any wrapper ioredis' Cluster adds on top (which would retry it).
      const command = record.command;
      if (command === undefined) return;
      this.#rejectCommand.call(
        command,
        new CommandTimeoutError({
          command: record.name.toUpperCase(),
          timeoutMs: record.timeoutMs,
        }),
      );
    });
  }

  /**
   * Sets (or clears, with `undefined`) an error every new command fails with at once, without
   * being sent: credentials the server refused, until they change.
   */
  setFatalError(error: Error | undefined): void {
    this.#fatalError = error;
  }

  /**
   * Starts closing: new commands fail with `ConnectionClosedError`, and so do commands that
   * fail from now on because their connection closes. Deadlines keep running until `close()`.
   */
  refuseNew(): void {
    this.#closed = true;
  }

  /**
   * Stops the sweeper and fails every command still waiting for its deadline with `error`
   * (default `ConnectionClosedError`). New commands fail with `ConnectionClosedError`.
   */
  close(error: Error = new ConnectionClosedError()): void {
    this.#closed = true;
    this.fence?.close();
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#deadlines.drain((record) => {
      if (record.command !== undefined) this.#rejectCommand.call(record.command, error);
    });
    for (const record of [...this.#unbounded]) {
      if (record.command !== undefined) this.#rejectCommand.call(record.command, error);
    }
    this.#unbounded.clear();
  }

  #send(
    instance: InstanceLike,
    original: SendCommand,
    command: GuardedCommand,
    stream: unknown,
    node: unknown,
  ): unknown {
    const existing = command[recordKey];
    if (existing !== undefined) {
      // Already guarded: forwarded by a Cluster to one of its nodes, flushed from an offline
      // queue, or resent after a reconnect. Its deadline and admission still hold.
      if (existing === exempt) return original.call(instance, command, stream, node);
      if (existing instanceof InflightRecord) {
        if (this.#exceedsResends(existing, instance)) {
          const error = new CommandRetriesExhaustedError({
            command: existing.name.toUpperCase(),
            maxRetries: this.#maxResends ?? 0,
          });
          this.#rejectCommand.call(command, error);
          return command.promise;
        }
        return this.#forward(instance, original, existing, stream, node);
      }
      if (existing === command.promise) {
        // Settled already (it timed out while queued) and now being flushed from a queue: the
        // caller has its answer, so do not run it late. A pipeline member must still be handed
        // over, or ioredis would never write the rest of that pipeline.
        if (stream !== undefined) return original.call(instance, command, stream, node);
        return command.promise;
      }
      // Otherwise ioredis re-initialised the command to retry it (a cluster pipeline after
      // MOVED): guard it again as a new attempt.
    }

    const name = command.name;
    if (
      connectionCommands.has(name) ||
      (instance.status !== 'ready' && readyCheckCommands.has(name))
    ) {
      command[recordKey] = exempt;
      return original.call(instance, command, stream, node);
    }
    if (this.#closed) return this.#refuse(command, new ConnectionClosedError());
    if (this.#fatalError !== undefined) return this.#refuse(command, this.#fatalError);

    let group: PipelineGroup | undefined;
    if (stream !== undefined && isPipelineStream(stream)) {
      const guardedStream = stream as GuardedStream;
      group = guardedStream[groupKey];
      if (group === undefined) {
        const created = new PipelineGroup();
        // During a failover hold, a pipeline (an auto-pipelined batch, a transaction) is held
        // whole: ioredis writes it only once every member is handed over.
        created.held = this.fence?.holding === true;
        group = created;
        guardedStream[groupKey] = created;
        try {
          this.#breaker.admit();
        } catch (error) {
          created.rejection = error as Error;
        }
      }
      if (group.rejection !== undefined) return this.#refuse(command, group.rejection);
    } else {
      try {
        this.#breaker.admit();
      } catch (error) {
        return this.#refuse(command, error as Error);
      }
    }

    const startMs = this.#clock();
    let timeoutMs = this.#timeoutMs;
    let deadlineMs = Number.POSITIVE_INFINITY;
    if (timeoutMs > 0) {
      const blockingMs = blockingTimeoutMs(name, command.args);
      if (blockingMs !== undefined) timeoutMs += blockingMs;
      deadlineMs = startMs + timeoutMs;
    }
    const record = this.#freeRecords.pop() ?? new InflightRecord();
    record.command = command;
    record.promise = command.promise;
    record.resolve = command.resolve;
    record.reject = command.reject;
    record.name = name;
    record.startMs = startMs;
    record.deadlineMs = deadlineMs;
    record.timeoutMs = timeoutMs;
    record.group = group;
    if (stream === undefined && isClusterLike(instance)) {
      record.retryVia = () => original.call(instance, command, stream, node);
    }
    command[recordKey] = record;
    command.resolve = this.#resolveCommand;
    command.reject = this.#rejectCommand;
    this.#inFlight++;
    if (deadlineMs !== Number.POSITIVE_INFINITY) this.#deadlines.insert(record);
    else this.#unbounded.add(record);
    const fence = this.fence;
    if (fence !== undefined) {
      const write = WriteFence.isWrite(name);
      record.fenced = write;
      // A write alone waits out a failover unsent, and so does a whole pipeline (see above).
      const hold = group === undefined ? write && fence.holding : group.held;
      if (hold) {
        fence.hold(() => {
          if (command[recordKey] === record) {
            this.#forward(instance, original, record, stream, node);
          }
        });
        return command.promise;
      }
    }
    return this.#forward(instance, original, record, stream, node);
  }

  /**
   * A cluster gives a command up on a lost connection when the cluster itself is not ready at
   * that moment (every node connection lost at once: a network blip, `CLIENT KILL`), where it
   * would otherwise retry. While the deadline has time left, the guard sends it through the
   * cluster again, after the cluster's failover delay, instead of failing the caller.
   */
  #retryLater(command: GuardedCommand, record: InflightRecord, error: Error): boolean {
    const retry = record.retryVia;
    if (retry === undefined || this.#closed || !error.message.startsWith('Connection is closed')) {
      return false;
    }
    if (this.#clock() + this.#clusterRetryDelayMs >= record.deadlineMs) return false;
    const timer = setTimeout(() => {
      if (command[recordKey] === record && !this.#closed) retry();
    }, this.#clusterRetryDelayMs);
    timer.unref();
    return true;
  }

  /**
   * Counts a resend of `record` on `instance`: a command written while `instance` was ready and
   * handed to it again is being resent after a lost connection (a command that waited in the
   * offline queue was never written, and its flush does not count).
   */
  #exceedsResends(record: InflightRecord, instance: InstanceLike): boolean {
    if (!this.#countsResends.has(instance)) return false;
    if (record.writtenTo === instance) {
      record.resends++;
      if (this.#maxResends !== undefined && record.resends > this.#maxResends) return true;
    }
    return false;
  }

  /**
   * Routes commands sent to `instance` through `route`: when it returns another instance (a
   * pooled connection to the same server, a replica for reads), the command is written there
   * instead. Routes are asked in the order they were added; the first answer wins. Returns the
   * function that removes the route.
   */
  addRoute(instance: InstanceLike, route: CommandRoute): () => void {
    this.#routes.set(instance, [...(this.#routes.get(instance) ?? []), route]);
    return () => {
      const next = (this.#routes.get(instance) ?? []).filter((entry) => entry !== route);
      if (next.length === 0) this.#routes.delete(instance);
      else this.#routes.set(instance, next);
    };
  }

  #forward(
    instance: InstanceLike,
    original: SendCommand,
    record: InflightRecord,
    stream: unknown,
    node: unknown,
  ): unknown {
    const command = record.command as GuardedCommand;
    let target: InstanceLike | undefined;
    if (this.#routes.size > 0) {
      for (const route of this.#routes.get(instance) ?? []) {
        target = route(command, stream);
        if (target !== undefined) break;
      }
    }
    const connection = target ?? instance;
    record.writtenTo = connection.status === 'ready' ? connection : undefined;
    if (record.fenced && this.fence !== undefined && !isClusterLike(connection)) {
      // Before sending: a command may settle synchronously (a closed connection).
      this.fence.track(record, connection, (wait) =>
        target === undefined ? original.call(instance, wait) : target.sendCommand(wait),
      );
    }
    if (target !== undefined) return target.sendCommand(command);
    return original.call(instance, command, stream, node);
  }

  /** Rejects a command that was not sent; ioredis never sees it. */
  #refuse(command: CommandLike, error: Error): Promise<unknown> {
    this.#metrics.record(command.name, 0, 'rejected');
    this.#onCommand?.({
      command: command.name.toUpperCase(),
      outcome: 'rejected',
      durationMs: 0,
      error,
      source: command,
    });
    command.reject(error);
    return command.promise;
  }

  /** Bookkeeping of a finished command; returns the error to deliver (maybe translated). */
  #settle(record: InflightRecord, error: Error | undefined): Error {
    this.#inFlight--;
    if (record.listed) this.#deadlines.remove(record);
    else this.#unbounded.delete(record);
    const durationMs = this.#clock() - record.startMs;
    let outcome: CommandOutcome = 'success';
    let delivered = error;
    if (error !== undefined) {
      delivered = this.#translate(error, record);
      outcome = CommandTimeoutError.isInstance(delivered)
        ? 'timeout'
        : this.#isFailure(delivered) || ConnectionClosedError.isInstance(delivered)
          ? 'failure'
          : 'reply-error';
    }
    if (!this.#closed) {
      // Each member of a pipeline counts on its own (the pipeline was admitted as a whole).
      if (delivered === undefined) this.#breaker.recordSuccess();
      else if (!isFailoverInProgress(delivered) || this.#clock() >= record.deadlineMs) {
        // A failover step (lost connection, MOVED, TRYAGAIN, CLUSTERDOWN, READONLY...) with
        // deadline left is not a failure: ioredis retries it (a cluster pipeline, a resend),
        // and only the outcome at the deadline says whether Redis was unavailable.
        this.#breaker.recordFailure(delivered);
      }
    }
    this.#metrics.record(record.name, durationMs, outcome);
    if (this.#onCommand !== undefined) {
      this.#onCommand({
        command: record.name.toUpperCase(),
        outcome,
        durationMs,
        ...(delivered === undefined ? {} : { error: delivered }),
        source: record.command,
        node: record.writtenTo as InstanceLike | undefined,
      });
    }
    const command = record.command;
    if (command !== undefined && record.promise !== undefined) {
      command[recordKey] = record.promise;
    }
    record.reset();
    if (this.#freeRecords.length < maxFreeRecords) this.#freeRecords.push(record);
    return delivered as Error;
  }

  #translate(error: Error, record: InflightRecord): Error {
    if (this.#closed && !RedGridError.isInstance(error)) {
      return new ConnectionClosedError(undefined, { cause: error });
    }
    if (
      error.name === 'ReplyError' &&
      error.message.startsWith('CROSSSLOT') &&
      record.command?.getKeys !== undefined
    ) {
      const keys = record.command.getKeys().map((key) => String(key));
      return new CrossSlotError({ keys }, { cause: error });
    }
    return this.#translateError?.(error) ?? error;
  }
}

// Reading the clock costs about as much as the rest of a command's bookkeeping, and every
// command needs it twice (sent, settled). Commands are sent and settled in bursts within one
// synchronous job (a socket read resolves every reply it holds; the callers' continuations then
// send their next command from consecutive microtasks), so one reading is shared by a burst
// and dropped in the next microtask. The error is the length of one burst (microseconds).
let cachedNowMs = -1;
const forgetNow = () => {
  cachedNowMs = -1;
};

function batchedNow(): number {
  if (cachedNowMs < 0) {
    cachedNowMs = performance.now();
    queueMicrotask(forgetNow);
  }
  return cachedNowMs;
}

function sweepInterval(timeoutMs: number): number {
  // A tenth of the timeout, between 5 and 100 ms: deadlines fire at most 10% (or 100 ms) late,
  // and the sweeper wakes at most 10-200 times per second.
  return Math.min(100, Math.max(5, Math.floor(timeoutMs / 10)));
}
