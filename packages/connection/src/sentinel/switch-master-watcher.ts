import type { Address } from '@redgrid/core';
import type { Redis } from 'ioredis';
import { parseSwitchMaster, type SwitchMaster } from './parse-switch-master.js';

/** Options of {@link SwitchMasterWatcher}. */
export interface SwitchMasterWatcherOptions {
  sentinels: readonly Address[];
  masterName: string;
  /** Creates the subscriber connection to one Sentinel (credentials, TLS, retry strategy). */
  createClient: (sentinel: Address) => Redis;
  /** Called once per switch of `masterName` (duplicates from several Sentinels are dropped). */
  onSwitch: (event: SwitchMaster) => void;
  /** Called with connection errors of the subscribers (they reconnect by themselves). */
  onError: (error: Error, sentinel: Address) => void;
}

const channel = '+switch-master';

/**
 * Subscribes to `+switch-master` on every configured Sentinel, so that a failover is known the
 * moment the Sentinels agree on it, with the old and the new master, instead of when the
 * connection to the old master breaks or times out. One Sentinel is enough to hear it; all of
 * them are subscribed so that losing one (or the one on the failed host) loses nothing.
 */
export class SwitchMasterWatcher {
  readonly #options: SwitchMasterWatcherOptions;
  readonly #clients: Redis[] = [];
  #last: string | undefined;
  #stopped = false;

  constructor(options: SwitchMasterWatcherOptions) {
    this.#options = options;
  }

  /** Connects and subscribes. Idempotent. */
  start(): void {
    if (this.#clients.length > 0 || this.#stopped) return;
    for (const sentinel of this.#options.sentinels) {
      const client = this.#options.createClient(sentinel);
      client.on('error', (error: Error) => {
        if (!this.#stopped) this.#options.onError(error, sentinel);
      });
      client.on('message', (from: string, message: string) => {
        if (from === channel) this.#receive(message);
      });
      client.subscribe(channel).catch((error: unknown) => {
        if (!this.#stopped) this.#options.onError(error as Error, sentinel);
      });
      this.#clients.push(client);
    }
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

  #receive(message: string): void {
    const event = parseSwitchMaster(message);
    if (event === undefined || event.masterName !== this.#options.masterName) return;
    const key = `${event.to.host}:${event.to.port}`;
    if (key === this.#last) return;
    this.#last = key;
    this.#options.onSwitch(event);
  }
}
