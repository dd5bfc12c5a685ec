import type { InstanceLike } from '../ioredis/internals.js';
import type { InflightRecord } from './inflight-record.js';

/**
 * Counts how often each written command is resent after a lost connection (ioredis resends
 * unanswered commands on reconnect), on the instances that opted in, against `maxResends`.
 */
export class ResendBudget {
  /** undefined: no limit (the deadline still bounds the wait). */
  readonly maxResends: number | undefined;
  /** Instances whose resends count against `maxResends`. */
  readonly #counted = new WeakSet<InstanceLike>();

  constructor(maxResends: number | undefined) {
    this.maxResends = maxResends;
  }

  /** Makes resends on `instance` count. */
  count(instance: InstanceLike): void {
    this.#counted.add(instance);
  }

  /**
   * Counts a resend of `record` on `instance`: a command written while `instance` was ready and
   * handed to it again is being resent after a lost connection (a command that waited in the
   * offline queue was never written, and its flush does not count). True once over budget.
   */
  exceeded(record: InflightRecord, instance: InstanceLike): boolean {
    if (!this.#counted.has(instance)) return false;
    if (record.writtenTo === instance) {
      record.resends++;
      if (this.maxResends !== undefined && record.resends > this.maxResends) return true;
    }
    return false;
  }
}
