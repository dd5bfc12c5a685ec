import {
  type CircuitBreaker,
  CommandRetriesExhaustedError,
  CommandTimeoutError,
  ConnectionClosedError,
  WriteNotConfirmedError,
} from '@redgrid/core';
import { WriteFence } from '../fence/write-fence.js';
import {
  type CommandLike,
  type InstanceLike,
  isClusterLike,
  isPipelineStream,
  type SendCommand,
} from '../ioredis/internals.js';
import type { CommandMetrics, CommandOutcome } from '../metrics/command-metrics.js';
import { batchedNow, sweepInterval } from './batched-clock.js';
import { blockingTimeoutMs } from './blocking-timeout-ms.js';
import type {
  AttachOptions,
  CommandEvent,
  CommandGuardOptions,
  CommandRoute,
} from './command-guard-options.js';
import { isConnectionCommand } from './connection-commands.js';
import { DeadlineList } from './deadline-list.js';
import {
  exempt,
  type GuardedCommand,
  InflightRecord,
  type PipelineGroup,
  recordKey,
} from './inflight-record.js';
import { isFailoverInProgress } from './is-connection-failure.js';
import { admitPipeline } from './pipeline-admission.js';
import { ResendBudget } from './resend-budget.js';
import { RouteTable } from './route-table.js';
import { translateCommandError } from './translate-command-error.js';

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
  readonly #resends: ResendBudget;
  readonly #clusterRetryDelayMs: number;
  /** The write fence, when the connection has one. */
  readonly fence: WriteFence | undefined;
  #fatalError: Error | undefined;
  readonly #clock: () => number;
  readonly #deadlines = new DeadlineList<InflightRecord>();
  /** Commands without a deadline (blocking forever, or deadlines disabled), for close(). */
  readonly #unbounded = new Set<InflightRecord>();
  readonly #routes = new RouteTable();
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
    this.#resends = new ResendBudget(options.maxResends ?? undefined);
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
    if (options.countResends === true) this.#resends.count(instance);
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
        if (this.#resends.exceeded(existing, instance)) {
          const error = new CommandRetriesExhaustedError({
            command: existing.name.toUpperCase(),
            maxRetries: this.#resends.maxResends ?? 0,
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
    if (isConnectionCommand(name, instance.status)) {
      command[recordKey] = exempt;
      return original.call(instance, command, stream, node);
    }
    if (this.#closed) return this.#refuse(command, new ConnectionClosedError());
    if (this.#fatalError !== undefined) return this.#refuse(command, this.#fatalError);

    let group: PipelineGroup | undefined;
    if (stream !== undefined && isPipelineStream(stream)) {
      group = admitPipeline(stream, this.#breaker, this.fence?.holding === true);
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
   * Routes commands sent to `instance` through `route`: when it returns another instance (a
   * pooled connection to the same server, a replica for reads), the command is written there
   * instead. Routes are asked in the order they were added; the first answer wins. Returns the
   * function that removes the route.
   */
  addRoute(instance: InstanceLike, route: CommandRoute): () => void {
    return this.#routes.add(instance, route);
  }

  #forward(
    instance: InstanceLike,
    original: SendCommand,
    record: InflightRecord,
    stream: unknown,
    node: unknown,
  ): unknown {
    const command = record.command as GuardedCommand;
    const target = this.#routes.pick(instance, command, stream);
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
      delivered = translateCommandError(error, record.command, this.#closed, this.#translateError);
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
}
