import { subscribe, unsubscribe } from 'node:diagnostics_channel';

type Listener = (message: unknown, name: string | symbol) => void;

/**
 * Subscriptions to `diagnostics_channel` channels by name, each listener wrapped so that it
 * never throws into the publisher (Node turns a throwing subscriber into an uncaught exception
 * of the process): an error is handed to `report` instead, and `report` itself is guarded.
 * Uses the module-level `subscribe` / `unsubscribe`, which keep the channel alive while
 * subscribed (a `Channel` object held only by a subscriber may be collected on Node 20).
 */
export class ChannelSubscriptions {
  readonly #report: (channel: string, error: unknown) => void;
  readonly #listeners: Array<[string, Listener]> = [];

  constructor(report: (channel: string, error: unknown) => void) {
    this.#report = report;
  }

  /** Calls `handler` with every message published on `channel` until `close()`. */
  on(channel: string, handler: (message: never) => void): void {
    const listener: Listener = (message) => {
      try {
        (handler as (message: unknown) => void)(message);
      } catch (error) {
        try {
          this.#report(channel, error);
        } catch {
          // Reporting failed too: nothing is left to tell, and the publisher must not notice.
        }
      }
    };
    subscribe(channel, listener);
    this.#listeners.push([channel, listener]);
  }

  /** Unsubscribes every listener. Idempotent. */
  close(): void {
    for (const [channel, listener] of this.#listeners.splice(0)) unsubscribe(channel, listener);
  }
}
