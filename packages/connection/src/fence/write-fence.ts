import { exists, hasFlag } from '@ioredis/commands';
import { WriteNotConfirmedError } from '@redgrid/core';
import type { FenceBatchLike, InflightRecord } from '../guard/inflight-record.js';
import type { CommandLike, InstanceLike } from '../ioredis/internals.js';

/** What the fence needs from the command guard that owns the records. */
export interface FenceHost {
  /** Delivers a held reply: the write is confirmed. */
  confirm(record: InflightRecord): void;
  /** Fails a fenced write (its reply held or not) with `error`. */
  fail(record: InflightRecord, error: Error): void;
}

/** Options of {@link WriteFence}. */
export interface WriteFenceOptions {
  /** Replicas that must confirm each write (`WAIT`); 0 confirms nothing, only holds writes. */
  replicas: number;
  /** `WAIT`'s timeout, in ms. */
  timeoutMs: number;
  /** How long writes may be held during a failover before they are let through anyway, in ms. */
  holdLimitMs: number;
  /** Creates an ioredis `WAIT` command (`new Command('wait', [replicas, timeoutMs])`). */
  createWait: (replicas: number, timeoutMs: number) => CommandLike;
  host: FenceHost;
  /** Called when writes were held longer than `holdLimitMs` and are released without a switch. */
  onHoldExpired?: (() => void) | undefined;
}

/**
 * True for a command that changes data (`write` in Redis' command table, plus EVAL, EVALSHA and
 * FCALL, which may), in any case. Unknown commands (modules) count as not writing.
 */
export function isWriteCommand(name: string): boolean {
  return WriteFence.isWrite(name);
}

/** Scripts and functions run writes without the `write` flag on the command itself. */
const writingScripts = new Set(['eval', 'evalsha', 'fcall']);
const isWriteCache = new Map<string, boolean>();

class FenceBatch implements FenceBatchLike {
  readonly records = new Set<InflightRecord>();
  readonly connection: object;
  readonly epoch: number;
  readonly duringFailover: boolean;
  readonly send: (command: CommandLike) => unknown;
  sent = false;

  constructor(
    connection: object,
    send: (command: CommandLike) => unknown,
    epoch: number,
    duringFailover: boolean,
  ) {
    this.connection = connection;
    this.send = send;
    this.epoch = epoch;
    this.duringFailover = duringFailover;
  }
}

/**
 * The write fence of one connection. Two jobs:
 *
 * - **Hold** writes while a Sentinel failover is in progress (`+try-failover` seen, until
 *   `+switch-master` or an abort): the old master keeps accepting writes until Sentinel demotes
 *   it, and every write it accepts after a replica was promoted is lost when it is resynced.
 *   Held writes are sent once the connection has moved to the new master. Pipelines and
 *   transactions are not held (their commands must be written together); under `WAIT` they
 *   get the failover check below.
 * - **Confirm** writes with `WAIT replicas timeout` when `replicas` > 0: one `WAIT` per batch
 *   of writes sent on one socket in one tick (Redis' `WAIT` covers every earlier write of the
 *   connection), and each write's reply is delivered only once its batch is confirmed. A batch
 *   confirmed by fewer replicas, or whose confirmation spans the start of a failover (the
 *   replica that confirmed it may not be the one promoted), or whose socket closed before the
 *   confirmation, fails with `WriteNotConfirmedError`: never a silent acknowledgement.
 */
export class WriteFence {
  readonly #options: WriteFenceOptions;
  /** Batches not yet confirmed, by connection, to fail them when that socket closes. */
  readonly #batches = new Map<object, Set<FenceBatch>>();
  /** The batch of each connection still collecting writes (its `WAIT` not yet sent). */
  readonly #open = new Map<object, FenceBatch>();
  readonly #held: Array<() => void> = [];
  /** The `close` listener on each connection that has had fenced writes. */
  readonly #watched = new Map<InstanceLike, () => void>();
  #epoch = 0;
  #failover = false;
  #holdTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: WriteFenceOptions) {
    this.#options = options;
  }

  /** True for a command that changes data (the only ones fenced). */
  static isWrite(name: string): boolean {
    let write = isWriteCache.get(name);
    if (write === undefined) {
      // `redis.call('SET', ...)` keeps the caller's case; unknown commands (modules) are not
      // fenced.
      const lower = name.toLowerCase();
      write = writingScripts.has(lower) || (exists(lower) && hasFlag(lower, 'write'));
      if (isWriteCache.size < 1_000) isWriteCache.set(name, write);
    }
    return write;
  }

  /** Replicas each write needs; 0 when the fence only holds writes during failovers. */
  get replicas(): number {
    return this.#options.replicas;
  }

  /** True while writes are held (a failover is in progress). */
  get holding(): boolean {
    return this.#failover;
  }

  /** Writes currently held. */
  get heldCount(): number {
    return this.#held.length;
  }

  /** Runs `release` (which sends a held write) once the failover is over. */
  hold(release: () => void): void {
    this.#held.push(release);
  }

  /** A failover of the master started: hold writes, distrust confirmations from now on. */
  failoverStarted(): void {
    if (this.#closed || this.#failover) return;
    this.#failover = true;
    this.#epoch++;
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined;
      if (!this.#failover) return;
      this.#options.onHoldExpired?.();
      this.failoverEnded();
    }, this.#options.holdLimitMs);
    this.#holdTimer.unref();
  }

  /** The failover is over (switched or aborted): send the held writes. */
  failoverEnded(): void {
    if (!this.#failover) return;
    this.#failover = false;
    this.#epoch++;
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    for (const release of this.#held.splice(0)) release();
  }

  /**
   * Records that the fenced write `record` was just handed to `connection` (`send` writes a
   * command on that same socket). A write resent after a reconnect moves to a new batch.
   */
  track(
    record: InflightRecord,
    connection: InstanceLike,
    send: (command: CommandLike) => unknown,
  ): void {
    if (this.#options.replicas === 0 || this.#closed) return;
    this.forget(record);
    if (!this.#watched.has(connection)) {
      const onClose = () => this.connectionClosed(connection);
      connection.on('close', onClose);
      this.#watched.set(connection, () => connection.removeListener('close', onClose));
    }
    let batch = this.#open.get(connection);
    if (batch === undefined) {
      const created = new FenceBatch(connection, send, this.#epoch, this.#failover);
      batch = created;
      this.#open.set(connection, created);
      let set = this.#batches.get(connection);
      if (set === undefined) {
        set = new Set();
        this.#batches.set(connection, set);
      }
      set.add(created);
      // After the current synchronous job, so that every write of this tick (a whole pipeline,
      // a burst of callers) shares one WAIT.
      queueMicrotask(() => this.#sendWait(created));
    }
    batch.records.add(record);
    record.batch = batch;
  }

  /** Removes `record` from its batch (it settled another way). */
  forget(record: InflightRecord): void {
    const batch = record.batch as FenceBatch | undefined;
    if (batch === undefined) return;
    record.batch = undefined;
    batch.records.delete(record);
    if (batch.sent) this.#drop(batch);
  }

  /**
   * The socket of `connection` closed: writes whose reply arrived but whose confirmation did
   * not can no longer be confirmed (a `WAIT` on the next socket does not cover them). Writes
   * without a reply yet stay: ioredis resends them, and they are tracked again.
   */
  connectionClosed(connection: object): void {
    const batches = this.#batches.get(connection);
    if (batches === undefined) return;
    this.#open.delete(connection);
    for (const batch of batches) {
      for (const record of [...batch.records]) {
        if (record.replied) this.#fail(record, 'connection-lost');
      }
      if (batch.records.size === 0) batches.delete(batch);
    }
    if (batches.size === 0) this.#batches.delete(connection);
  }

  /** Stops: no more batches, held writes released (they fail as the connection closes). */
  close(): void {
    this.#closed = true;
    this.failoverEnded();
    this.#open.clear();
    this.#batches.clear();
    for (const unwatch of this.#watched.values()) unwatch();
    this.#watched.clear();
  }

  #sendWait(batch: FenceBatch): void {
    if (this.#open.get(batch.connection) === batch) this.#open.delete(batch.connection);
    batch.sent = true;
    if (batch.records.size === 0) {
      this.#drop(batch);
      return;
    }
    const { replicas, timeoutMs } = this.#options;
    const wait = this.#options.createWait(replicas, timeoutMs);
    wait.promise.then(
      (count) => this.#confirmed(batch, Number(count)),
      (error: unknown) => this.#waitFailed(batch, error),
    );
    batch.send(wait);
  }

  #confirmed(batch: FenceBatch, count: number): void {
    const trusted = !batch.duringFailover && batch.epoch === this.#epoch;
    for (const record of [...batch.records]) {
      // Not replied yet: only possible if it was resent elsewhere (then it is not here).
      if (!record.replied) continue;
      if (trusted && count >= this.#options.replicas) {
        this.forget(record);
        this.#options.host.confirm(record);
      } else {
        this.#fail(record, trusted ? 'timeout' : 'failover', count);
      }
    }
    this.#drop(batch);
  }

  #waitFailed(batch: FenceBatch, error: unknown): void {
    for (const record of [...batch.records]) {
      if (record.replied) this.#fail(record, 'connection-lost', undefined, error);
    }
    this.#drop(batch);
  }

  #fail(
    record: InflightRecord,
    reason: 'timeout' | 'failover' | 'connection-lost',
    confirmed?: number,
    cause?: unknown,
  ): void {
    this.forget(record);
    const error = new WriteNotConfirmedError(
      {
        command: record.name.toUpperCase(),
        replicasRequired: this.#options.replicas,
        ...(confirmed === undefined ? {} : { replicasConfirmed: confirmed }),
        reason,
      },
      cause === undefined ? undefined : { cause },
    );
    this.#options.host.fail(record, error);
  }

  #drop(batch: FenceBatch): void {
    if (batch.records.size > 0) return;
    const set = this.#batches.get(batch.connection);
    set?.delete(batch);
    if (set !== undefined && set.size === 0) this.#batches.delete(batch.connection);
  }
}
