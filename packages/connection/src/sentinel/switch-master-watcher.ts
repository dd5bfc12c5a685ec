import type { Address } from '@redgrid/core';
import type { Redis } from 'ioredis';
import { masterNameOfEvent, parseSwitchMaster, type SwitchMaster } from './parse-switch-master.js';

/** Options of {@link SwitchMasterWatcher}. */
export interface SwitchMasterWatcherOptions {
  sentinels: readonly Address[];
  masterName: string;
  /** Creates the subscriber connection to one Sentinel (credentials, TLS, retry strategy). */
  createClient: (sentinel: Address) => Redis;
  /** Called once per switch of `masterName` (duplicates from several Sentinels are dropped). */
  onSwitch: (event: SwitchMaster) => void;
  /** Called when a Sentinel starts a failover of `masterName` and none was in progress. */
  onFailoverStart?: (() => void) | undefined;
  /** Called when every failover attempt in progress was aborted (the master stays). */
  onFailoverAbort?: (() => void) | undefined;
  /** Called with connection errors of the subscribers (they reconnect by themselves). */
  onError: (error: Error, sentinel: Address) => void;
}

const switchChannel = '+switch-master';
const startChannel = '+try-failover';
// A failover attempt that ends without a new master. (`+failover-end` is not one: the leader
// publishes it just before `+switch-master`, while the old master may still accept writes.)
const abortChannels = [
  '-failover-abort-not-elected',
  '-failover-abort-no-good-slave',
  '-failover-abort-slave-timeout',
];

/**
 * Subscribes to `+switch-master` on every configured Sentinel, so that a failover is known the
 * moment the Sentinels agree on it, with the old and the new master, instead of when the
 * connection to the old master breaks or times out. One Sentinel is enough to hear it; all of
 * them are subscribed so that losing one (or the one on the failed host) loses nothing.
 *
 * It also follows failover attempts (`+try-failover`, published by the Sentinel that starts
 * one, before it promotes a replica; and the aborts), so that writes can be held while the old
 * master may still accept writes that the promoted replica will never see.
 */
export class SwitchMasterWatcher {
  readonly #options: SwitchMasterWatcherOptions;
  readonly #clients: Redis[] = [];
  /** Sentinels (by index) with a failover attempt in progress. */
  readonly #attempts = new Set<number>();
  #last: string | undefined;
  #stopped = false;

  constructor(options: SwitchMasterWatcherOptions) {
    this.#options = options;
  }

  /** Connects and subscribes. Idempotent. */
  start(): void {
    if (this.#clients.length > 0 || this.#stopped) return;
    this.#options.sentinels.forEach((sentinel, index) => {
      const client = this.#options.createClient(sentinel);
      client.on('error', (error: Error) => {
        if (!this.#stopped) this.#options.onError(error, sentinel);
      });
      client.on('message', (channel: string, message: string) => {
        if (!this.#stopped) this.#receive(index, channel, message);
      });
      client.subscribe(switchChannel, startChannel, ...abortChannels).catch((error: unknown) => {
        if (!this.#stopped) this.#options.onError(error as Error, sentinel);
      });
      this.#clients.push(client);
    });
  }

  /** Disconnects every subscriber; resolves once their sockets are closed. */
  stop(): Promise<void> {
    this.#stopped = true;
    const ended = this.#clients.splice(0).map((client) => {
      client.removeAllListeners('message');
      const end = new Promise<void>((resolve) => {
        if (client.status === 'end') resolve();
        else client.once('end', () => resolve());
      });
      client.disconnect();
      return end;
    });
    return Promise.all(ended).then(() => {});
  }

  #receive(sentinel: number, channel: string, message: string): void {
    if (channel === switchChannel) {
      const event = parseSwitchMaster(message);
      if (event === undefined || event.masterName !== this.#options.masterName) return;
      this.#attempts.clear();
      const key = `${event.to.host}:${event.to.port}`;
      if (key === this.#last) return;
      this.#last = key;
      this.#options.onSwitch(event);
      return;
    }
    if (masterNameOfEvent(message) !== this.#options.masterName) return;
    if (channel === startChannel) {
      const first = this.#attempts.size === 0;
      this.#attempts.add(sentinel);
      if (first) this.#options.onFailoverStart?.();
    } else if (this.#attempts.delete(sentinel) && this.#attempts.size === 0) {
      this.#options.onFailoverAbort?.();
    }
  }
}
