import { type CircuitBreaker, CommandTimeoutError } from '@redgrid/core';
import type { Cluster, Redis } from 'ioredis';
import { nodeAddress } from '../ioredis/addresses.js';
import { type InstanceLike, isClusterLike } from '../ioredis/internals.js';
import { codeOf, messageOf } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import type { MemoryWatch } from './memory-watch.js';

/** What a {@link HealthChecker} needs from its connection. */
export interface HealthCheckerOptions {
  connection: string;
  logger: Logger;
  /** Period of the check, in ms; 0 disables it. */
  intervalMs: number;
  /** Consecutive timed-out PINGs on an open socket after which it is replaced; 0 never. */
  reconnectAfterFailedPings: number;
  breaker: CircuitBreaker;
  memory: MemoryWatch;
  /** The main client (a cluster's masters are pinged one by one). */
  client: () => InstanceLike;
  isClosed: () => boolean;
  /**
   * True while the credentials are refused: the check then does nothing else (the connection
   * retries them when its backoff allows).
   */
  credentialsRefused: () => boolean;
  /** A failed PING: `message` is already scrubbed of secrets. */
  onPingFailed: (message: string) => void;
  /** A check finished (the connection re-derives its state). */
  onChecked: (reason: string) => void;
  scrub: (text: string) => string;
}

/**
 * The periodic health check of a connection: a PING per master (its latency, and a socket that
 * stops answering is replaced), CLUSTER INFO on a cluster, and the nodes' memory. At most one
 * check runs at a time; `run()` joins the one in progress.
 */
export class HealthChecker {
  readonly #options: HealthCheckerOptions;
  readonly #failedPings = new WeakMap<InstanceLike, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #failing = false;
  #latencyMs: number | undefined;
  #clusterState: string | undefined;
  #checkedAt: Date | undefined;

  constructor(options: HealthCheckerOptions) {
    this.#options = options;
  }

  /** Round trip of the last PING (the slowest master), in ms; undefined when unknown. */
  get latencyMs(): number | undefined {
    return this.#latencyMs;
  }

  /** `cluster_state` of the last CLUSTER INFO; undefined when not a cluster or unknown. */
  get clusterState(): string | undefined {
    return this.#clusterState;
  }

  /** When the last check completed. */
  get checkedAt(): Date | undefined {
    return this.#checkedAt;
  }

  /** The last check failed. */
  get failing(): boolean {
    return this.#failing;
  }

  /** Periodic checks are on (`intervalMs` > 0). */
  get enabled(): boolean {
    return this.#options.intervalMs > 0;
  }

  /** Starts the periodic checks (an unref'd interval). */
  start(): void {
    if (this.#options.intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.run(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops the periodic checks. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The latency is unknown again (the socket was lost). */
  forgetLatency(): void {
    this.#latencyMs = undefined;
  }

  /** `instance` answered again (it is ready): its timed-out PINGs no longer count. */
  forgetFailedPings(instance: InstanceLike): void {
    this.#failedPings.delete(instance);
  }

  /** Runs a check now, or joins the one in progress. */
  run(): Promise<void> {
    this.#running ??= this.#check().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #check(): Promise<void> {
    const options = this.#options;
    if (options.isClosed()) return;
    if (options.credentialsRefused()) return;
    const client = options.client();
    // Lazy and never used: checking would connect it.
    if (client.status === 'wait') return;
    if (options.breaker.state === 'open') {
      this.#latencyMs = undefined;
      return;
    }
    const targets = isClusterLike(client) ? client.nodes('master') : [client];
    if (targets.length === 0 || client.status !== 'ready') return;
    let slowest = 0;
    let failed = false;
    await Promise.all(
      targets.map(async (target) => {
        const start = performance.now();
        try {
          await (target as unknown as Redis).ping();
          slowest = Math.max(slowest, performance.now() - start);
          this.#failedPings.delete(target);
        } catch (error) {
          if (codeOf(error) === 'ERR_CIRCUIT_OPEN') return;
          failed = true;
          options.onPingFailed(`health check: ${options.scrub(messageOf(error))}`);
          if (CommandTimeoutError.isInstance(error)) this.#onPingTimeout(target);
        }
      }),
    );
    if (isClusterLike(client) && !failed) {
      try {
        const info = await (client as unknown as Cluster).cluster('INFO');
        this.#clusterState = /cluster_state:(\w+)/.exec(String(info))?.[1];
      } catch {
        this.#clusterState = undefined;
      }
    }
    if (!failed) {
      await options.memory.read(
        targets.flatMap((target) => {
          const node = nodeAddress(target);
          return node === undefined ? [] : [{ node, client: target as unknown as Redis }];
        }),
      );
    }
    if (options.isClosed()) return;
    this.#latencyMs = failed ? undefined : Math.round(slowest * 1000) / 1000;
    this.#failing = failed;
    this.#checkedAt = new Date();
    options.onChecked(failed ? 'health check failed' : 'health check passed');
  }

  #onPingTimeout(target: InstanceLike): void {
    const count = (this.#failedPings.get(target) ?? 0) + 1;
    this.#failedPings.set(target, count);
    const limit = this.#options.reconnectAfterFailedPings;
    if (limit <= 0 || count < limit) return;
    if (target.status !== 'ready') return;
    this.#failedPings.delete(target);
    this.#options.logger.warn(
      { connection: this.#options.connection, failedPings: count },
      'redis server stopped answering on an open socket; replacing the connection',
    );
    target.disconnect(true);
  }
}
