import { randomUUID } from 'node:crypto';
import { exponentialBackoff } from '@redgrid/core';

/** The ioredis pub/sub surface the bus uses (a `Redis` or `Cluster` from `connection.dedicated()`). */
export interface SubscriberClient {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  quit?(): Promise<unknown>;
  disconnect?(): void;
}

/** The ioredis surface used to publish (the connection's guarded `client`). */
export interface PublisherClient {
  publish(channel: string, message: string): Promise<number>;
}

/** What an invalidation message asks: drop these keys, or every key under these prefixes. */
export interface Invalidation {
  keys?: readonly string[];
  prefixes?: readonly string[];
}

/** Options of an {@link InvalidationBus}. */
export interface InvalidationBusOptions {
  channel: string;
  publisher: PublisherClient;
  /** Opens the dedicated subscriber connection (`connection.dedicated()`). */
  openSubscriber: () => SubscriberClient | Promise<SubscriberClient>;
  /** Close the subscriber on `close()` (true when it was opened only for this bus). */
  closeSubscriber: boolean;
  /** Period of the heartbeat that proves the subscription delivers, in ms. */
  heartbeatIntervalMs: number;
  /** A heartbeat not echoed back within this many ms means the subscription is lost. */
  heartbeatTimeoutMs: number;
  onInvalidation: (invalidation: Invalidation) => void;
  /** The subscription stopped delivering (or never started): messages may be missed from now. */
  onLost: () => void;
  /** The subscription delivers again. */
  onRestored: () => void;
  onError: (error: unknown) => void;
}

interface Message {
  /** Origin instance id. */
  o: string;
  /** Keys. */
  k?: string[];
  /** Prefixes. */
  p?: string[];
  /** Heartbeat sequence number. */
  h?: number;
}

/**
 * Cross-instance L1 invalidation over Redis pub/sub. Every instance subscribes to one channel
 * on a dedicated connection; writes publish the keys they changed, and every other instance drops
 * them from its L1.
 *
 * Pub/sub delivers at most once: a message published while a subscriber is disconnected is lost.
 * So the bus tells its owner when the subscription is lost — at once when the connection reports
 * it, and otherwise through a heartbeat (each instance publishes a ping and expects it back
 * within `heartbeatTimeoutMs`), which also catches what events cannot (a cluster subscriber
 * moved to another node, a server that stopped answering). The owner then flushes or caps its
 * L1 so no missed message leaves stale data behind. One `unref`'d interval timer per bus.
 */
export class InvalidationBus {
  readonly instanceId = randomUUID();
  readonly #options: InvalidationBusOptions;
  readonly #backoff = exponentialBackoff({ baseMs: 100, maxMs: 5_000 });
  #subscriber: SubscriberClient | undefined;
  #active = false;
  #epoch = 0;
  #closed = false;
  #subscribing = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAttempt = 0;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #heartbeatSeq = 0;
  #pendingHeartbeatAtMs: number | undefined;
  #readyWaiters: Array<() => void> = [];
  readonly #onMessage = (channel: string, message: string) => this.#receive(channel, message);
  readonly #onDown = () => this.#markLost();
  readonly #onReady = () => this.#subscribe();
  readonly #onError = () => {
    // Connection errors are reported by the connection itself; loss is handled via close/heartbeat.
  };

  constructor(options: InvalidationBusOptions) {
    this.#options = options;
  }

  /**
   * Changes at every loss and every restoration. A read that started under another epoch may
   * have missed an invalidation: its result must not be kept in L1.
   */
  get epoch(): number {
    return this.#epoch;
  }

  /** True while the subscription is known to deliver. */
  get active(): boolean {
    return this.#active;
  }

  /** Opens the subscriber, subscribes and starts the heartbeat. */
  start(): void {
    if (this.#heartbeatTimer !== undefined || this.#closed) return;
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(), this.#options.heartbeatIntervalMs);
    this.#heartbeatTimer.unref();
    this.#open();
  }

  #open(): void {
    Promise.resolve()
      .then(() => this.#options.openSubscriber())
      .then((subscriber) => {
        if (this.#closed) {
          if (this.#options.closeSubscriber) subscriber.disconnect?.();
          return;
        }
        this.#subscriber = subscriber;
        // ioredis re-subscribes by itself after a reconnect, but drops the promise of that
        // SUBSCRIBE: if the connection's guard refuses it (breaker still open), the rejection is
        // unhandled. The bus re-subscribes on 'ready' itself, with the error handled.
        const clientOptions = (subscriber as { options?: { autoResubscribe?: boolean } }).options;
        if (clientOptions && !(subscriber as { isCluster?: boolean }).isCluster) {
          clientOptions.autoResubscribe = false;
        }
        subscriber.on('message', this.#onMessage as (...args: never[]) => void);
        subscriber.on('close', this.#onDown);
        subscriber.on('end', this.#onDown);
        subscriber.on('reconnecting', this.#onDown);
        subscriber.on('ready', this.#onReady);
        subscriber.on('error', this.#onError);
        this.#subscribe();
      })
      .catch((error: unknown) => {
        this.#options.onError(error);
        this.#scheduleRetry();
      });
  }

  /** Resolves once the subscription is active (immediately if it is). */
  ready(): Promise<void> {
    if (this.#active) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /**
   * Publishes an invalidation to the other instances. Never throws: when Redis is unusable the
   * message is lost, which is harmless, because every other instance has then lost its
   * subscription too (and flushed or capped its L1) — or, if only this instance is cut off, the
   * keys it wrote are invalidated when it recovers.
   */
  async publish(invalidation: Invalidation): Promise<boolean> {
    const message: Message = { o: this.instanceId };
    if (invalidation.keys && invalidation.keys.length > 0) message.k = [...invalidation.keys];
    if (invalidation.prefixes && invalidation.prefixes.length > 0) {
      message.p = [...invalidation.prefixes];
    }
    if (message.k === undefined && message.p === undefined) return true;
    try {
      await this.#options.publisher.publish(this.#options.channel, JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  /** Stops the heartbeat, unsubscribes, and closes the subscriber if this bus opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#active = false;
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (!subscriber) return;
    subscriber.removeListener('message', this.#onMessage as (...args: never[]) => void);
    subscriber.removeListener('close', this.#onDown);
    subscriber.removeListener('end', this.#onDown);
    subscriber.removeListener('reconnecting', this.#onDown);
    subscriber.removeListener('ready', this.#onReady);
    if (this.#options.closeSubscriber) {
      try {
        await subscriber.quit?.();
      } catch {
        subscriber.disconnect?.();
      }
    } else {
      await subscriber.unsubscribe(this.#options.channel).catch(() => undefined);
    }
    subscriber.removeListener('error', this.#onError);
  }

  #subscribe(): void {
    const subscriber = this.#subscriber;
    if (!subscriber || this.#closed || this.#subscribing) return;
    this.#subscribing = true;
    subscriber
      .subscribe(this.#options.channel)
      .then(() => {
        this.#subscribing = false;
        this.#retryAttempt = 0;
        this.#pendingHeartbeatAtMs = undefined;
        this.#markRestored();
      })
      .catch((error: unknown) => {
        this.#subscribing = false;
        this.#options.onError(error);
        this.#markLost();
        this.#scheduleRetry();
      });
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        if (this.#subscriber) this.#subscribe();
        else this.#open();
      },
      this.#backoff(this.#retryAttempt++),
    );
    this.#retryTimer.unref();
  }

  #heartbeat(): void {
    if (this.#closed || this.#subscriber === undefined) return;
    const now = Date.now();
    if (this.#pendingHeartbeatAtMs !== undefined) {
      if (now - this.#pendingHeartbeatAtMs < this.#options.heartbeatTimeoutMs) return;
      this.#markLost();
    }
    this.#pendingHeartbeatAtMs = now;
    const message: Message = { o: this.instanceId, h: ++this.#heartbeatSeq };
    this.#options.publisher.publish(this.#options.channel, JSON.stringify(message)).catch(() => {
      this.#markLost();
    });
  }

  #receive(channel: string, raw: string): void {
    if (channel !== this.#options.channel) return;
    let message: Message;
    try {
      message = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    if (message.o === this.instanceId) {
      if (message.h !== undefined) {
        this.#pendingHeartbeatAtMs = undefined;
        if (!this.#active) this.#markRestored();
      }
      return;
    }
    if (message.h !== undefined) return;
    const keys = Array.isArray(message.k) ? message.k.filter((key) => typeof key === 'string') : [];
    const prefixes = Array.isArray(message.p)
      ? message.p.filter((prefix) => typeof prefix === 'string')
      : [];
    if (keys.length > 0 || prefixes.length > 0) this.#options.onInvalidation({ keys, prefixes });
  }

  #markLost(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#epoch++;
    this.#options.onLost();
  }

  #markRestored(): void {
    if (this.#active || this.#closed) return;
    this.#active = true;
    this.#epoch++;
    this.#options.onRestored();
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }
}
