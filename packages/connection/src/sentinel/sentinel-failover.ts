import { type Address, publish, type RedisConfig } from '@redgrid/core';
import { Redis } from 'ioredis';
import type { WriteFence } from '../fence/write-fence.js';
import { remoteAddress } from '../ioredis/addresses.js';
import { type InstanceLike, isClusterLike } from '../ioredis/internals.js';
import type { Logger } from '../logging/logger.js';
import { toTlsConnectionOptions } from '../options/to-ioredis-options.js';
import { moveToMaster } from './move-to-master.js';
import type { SwitchMaster } from './parse-switch-master.js';
import { SwitchMasterWatcher } from './switch-master-watcher.js';

type SentinelOptions = Extract<RedisConfig, { type: 'sentinel' }>['options'];

// After a +switch-master, how long a connection that lands elsewhere is retried towards the
// announced master (later, the Sentinels' current answer is trusted as it is).
const staleMasterWindowMs = 10_000;

/** What a {@link SentinelFailover} needs from its connection. */
export interface SentinelFailoverOptions {
  connection: string;
  logger: Logger;
  config: SentinelOptions;
  isClosed: () => boolean;
  /** Delay before reconnect attempt `attempt` (0-based) of a watcher subscription, or null. */
  subscriberReconnectDelay: (attempt: number) => number | null;
  /** The connection's write fence, if any. */
  fence: () => WriteFence | undefined;
  /** Every connection to the master: main client, dedicated, pooled. */
  masterConnections: () => InstanceLike[];
  /** The read replica connection, if any. */
  readReplica: () => InstanceLike | undefined;
  /** Reports a master change (log, event, channel). */
  onFailover: (event: { from: Address | undefined; to: Address; masterName?: string }) => void;
  /** A Sentinel subscription failed (not a reason to stop the connection). */
  onError: (error: Error, source: string) => void;
}

/**
 * Follows a Sentinel group's failovers for one connection: subscribes to `+switch-master` (and
 * the failover start/abort events, which hold and release writes), moves every connection to
 * the announced master, and keeps a reconnect that lands on a stale master from sticking.
 */
export class SentinelFailover {
  readonly #options: SentinelFailoverOptions;
  #watcher: SwitchMasterWatcher | undefined;
  #switchTarget: Address | undefined;
  #switchAtMs = Number.NEGATIVE_INFINITY;
  #staleMasterRetries = 0;
  #immediateRetries = 0;

  constructor(options: SentinelFailoverOptions) {
    this.#options = options;
  }

  /** Starts watching the Sentinels (once; the main client is connecting). */
  start(): void {
    if (this.#watcher !== undefined || this.#options.isClosed()) return;
    const { config: options, logger, connection } = this.#options;
    const sentinelTls = options.tls === undefined ? undefined : toTlsConnectionOptions(options.tls);
    this.#watcher = new SwitchMasterWatcher({
      sentinels: options.sentinels,
      masterName: options.name,
      createClient: (sentinel) =>
        new Redis({
          host: sentinel.host,
          port: sentinel.port,
          family: options.family,
          connectTimeout: options.connectTimeoutMs,
          enableReadyCheck: false,
          maxRetriesPerRequest: null,
          connectionName: options.connectionName ?? 'redgrid-sentinel-watch',
          ...(options.sentinelUsername === undefined ? {} : { username: options.sentinelUsername }),
          ...(options.sentinelPassword === undefined
            ? {}
            : { password: options.sentinelPassword.reveal() }),
          ...(sentinelTls === undefined ? {} : { tls: sentinelTls }),
          retryStrategy: (times) => this.#options.subscriberReconnectDelay(times - 1),
        }),
      onSwitch: (event) => this.#onSwitchMaster(event),
      onFailoverStart: () => {
        logger.warn(
          { connection, master: options.name },
          'redis Sentinel failover started; holding writes until the new master is known',
        );
        this.#options.fence()?.failoverStarted();
        publish('redgrid:failover', { connection, phase: 'started' });
      },
      onFailoverAbort: () => {
        logger.info(
          { connection, master: options.name },
          'redis Sentinel failover aborted; releasing held writes',
        );
        this.#options.fence()?.failoverEnded();
        publish('redgrid:failover', { connection, phase: 'aborted' });
      },
      onError: (error, sentinel) =>
        // Not a reason to stop the connection: a refused subscription (NOPERM) only means that
        // failovers are noticed later (lost connection, READONLY) instead of announced.
        this.#options.onError(error, `sentinel ${sentinel.host}:${sentinel.port} (watch)`),
    });
    this.#watcher.start();
  }

  /** Stops watching; resolves once the subscriptions are closed. */
  stop(): Promise<void> {
    return this.#watcher?.stop() ?? Promise.resolve();
  }

  /**
   * Right after a +switch-master the new master is known: true (and one used up) while the
   * next reconnect attempts should go at once instead of after a backoff delay.
   */
  takeImmediateRetry(): boolean {
    if (this.#immediateRetries > 0 && performance.now() - this.#switchAtMs < 2_000) {
      this.#immediateRetries--;
      return true;
    }
    return false;
  }

  /**
   * True when the main client just connected to `current` although the last +switch-master
   * named another master (a Sentinel that had not heard yet): the caller reconnects. At most
   * three times, within ten seconds of the switch.
   */
  isStaleMaster(current: Address): boolean {
    const target = this.#switchTarget;
    if (
      target === undefined ||
      (target.host === current.host && target.port === current.port) ||
      this.#staleMasterRetries >= 3 ||
      performance.now() - this.#switchAtMs >= staleMasterWindowMs
    ) {
      return false;
    }
    this.#staleMasterRetries++;
    // Landed on another node than the last +switch-master named: try again.
    this.#options.logger.warn(
      {
        connection: this.#options.connection,
        connected: `${current.host}:${current.port}`,
        expected: `${target.host}:${target.port}`,
      },
      'redis connected to a stale master; reconnecting to the one Sentinel switched to',
    );
    return true;
  }

  /**
   * The main client connected to `current` (before: `previous`). False when that is a stale
   * master: the client is then disconnected to try again. A move without a +switch-master seen
   * (e.g. the subscription was down) is still reported as a failover.
   */
  connected(instance: InstanceLike, current: Address, previous: Address | undefined): boolean {
    if (this.isStaleMaster(current)) {
      instance.disconnect(true);
      return false;
    }
    if (
      previous !== undefined &&
      (previous.host !== current.host || previous.port !== current.port)
    ) {
      this.#options.onFailover({ from: previous, to: current });
    }
    return true;
  }

  #onSwitchMaster(event: SwitchMaster): void {
    this.#options.onFailover({ from: event.from, to: event.to, masterName: event.masterName });
    this.#switchTarget = { ...event.to };
    this.#switchAtMs = performance.now();
    this.#staleMasterRetries = 0;
    const connections = this.#options.masterConnections();
    this.#immediateRetries = 3 * connections.length;
    for (const instance of connections) {
      if (!isClusterLike(instance)) moveToMaster(instance, event);
    }
    // Held writes now queue for the new master.
    this.#options.fence()?.failoverEnded();
    // A read replica that was just promoted is the master now: find a replica again.
    const replica = this.#options.readReplica();
    const at = replica === undefined ? undefined : remoteAddress(replica);
    if (at !== undefined && at.host === event.to.host && at.port === event.to.port) {
      replica?.disconnect(true);
    }
  }
}
