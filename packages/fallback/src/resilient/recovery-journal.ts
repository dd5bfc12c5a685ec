import type { MemoryStore } from '../memory/memory-store.js';
import { REPLAY_LUA } from '../script/builtin-scripts.js';
import type { ScriptArgument } from '../script/store-script.js';
import { scriptSha1 } from '../script/store-script.js';
import { type CommandClient, groupBySlot } from './command-client.js';
import type { RecoveryPolicy, RecoveryReport } from './resilient-store-options.js';
import { asStoredBuffer } from './stored-value.js';
import { versionKey } from './version-key.js';

interface JournalEntry {
  op: 'set' | 'delete';
  atMs: number;
}

const REPLAY_CONCURRENCY = 32;
const DELETE_BATCH = 500;
const MAX_PREFIX_CLEARS = 1_000;

/** What a {@link RecoveryJournal} needs of the store it serves. */
export interface RecoveryJournalOptions {
  policy: RecoveryPolicy;
  /** Most keys remembered during one outage; more are counted as dropped. */
  maxEntries: number;
  /** `last-write-wins`: how long a delete's version outlives the key, in ms. */
  tombstoneTtlMs: number;
  clock: () => number;
  memory: MemoryStore;
  client: CommandClient;
  cluster: boolean;
  /** Runs a script with EVALSHA / EVAL on NOSCRIPT. */
  evaluate: (
    lua: string,
    sha1: string,
    keys: readonly string[],
    args: readonly ScriptArgument[],
  ) => Promise<unknown>;
  /** Deletes every Redis key under a prefix. */
  deleteByPrefix: (prefix: string) => Promise<number>;
  isUnavailable: (error: unknown) => boolean;
  /** True while the store is degraded again (the replay stops). */
  isDegraded: () => boolean;
  /** Redis became unusable during the recovery. */
  onUnavailable: (error: unknown) => void;
  /** A replay failed with an error other than an outage. */
  onError: (error: unknown) => void;
}

/**
 * The writes a `ResilientStore` made in memory during an outage (key, set or delete, when), and
 * the recovery policy applied to them once Redis answers again: nothing (`discard`), delete them
 * from Redis (`invalidate`), or replay each one unless Redis holds a newer version
 * (`last-write-wins`). Bounded by `maxEntries` and a thousand cleared prefixes; what does not
 * fit is reported as dropped.
 */
export class RecoveryJournal {
  readonly #options: RecoveryJournalOptions;
  #entries = new Map<string, JournalEntry>();
  #clearedPrefixes: Array<{ prefix: string; atMs: number }> = [];
  #dropped = 0;

  constructor(options: RecoveryJournalOptions) {
    this.#options = options;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** Remembers a write (or delete) of `key` made in memory. */
  remember(key: string, op: 'set' | 'delete'): void {
    if (this.#options.policy === 'discard') return;
    const entry = this.#entries.get(key);
    if (entry) {
      entry.op = op;
      entry.atMs = this.#options.clock();
      return;
    }
    if (this.#entries.size >= this.#options.maxEntries) {
      this.#dropped++;
      return;
    }
    this.#entries.set(key, { op, atMs: this.#options.clock() });
  }

  /** Remembers that every key under `prefix` was deleted in memory. */
  rememberPrefix(prefix: string): void {
    if (this.#options.policy === 'discard') return;
    for (const key of [...this.#entries.keys()]) {
      if (key.startsWith(prefix)) this.#entries.delete(key);
    }
    if (this.#clearedPrefixes.length < MAX_PREFIX_CLEARS) {
      this.#clearedPrefixes.push({ prefix, atMs: this.#options.clock() });
    } else {
      this.#dropped++;
    }
  }

  /** Forgets everything remembered. */
  clear(): void {
    this.#entries.clear();
    this.#clearedPrefixes = [];
    this.#dropped = 0;
  }

  /**
   * Applies the policy to what was remembered and clears the memory store. Returns the report,
   * or undefined when Redis went away again meanwhile: then everything is kept for the next
   * recovery (applying an entry twice is harmless: deletes are idempotent, replays are
   * version-checked).
   */
  async recover(outageMs: number): Promise<RecoveryReport | undefined> {
    const options = this.#options;
    const startedAt = options.clock();
    const journal = this.#entries;
    const prefixes = this.#clearedPrefixes;
    const droppedBefore = this.#dropped;
    const report: RecoveryReport = {
      policy: options.policy,
      outageMs,
      replayed: 0,
      skipped: 0,
      invalidated: 0,
      dropped: this.#dropped,
      failed: 0,
      durationMs: 0,
      keys: [...journal.keys()],
      prefixes: prefixes.map((entry) => entry.prefix),
    };
    this.#entries = new Map();
    this.#clearedPrefixes = [];
    this.#dropped = 0;
    try {
      if (options.policy !== 'discard') {
        for (const { prefix } of prefixes) {
          await options.deleteByPrefix(prefix);
          report.invalidated++;
        }
        if (options.policy === 'invalidate') {
          await this.#invalidateKeys([...journal.keys()], report);
        } else {
          await this.#replay(journal, report);
        }
      }
    } catch (error) {
      if (!options.isUnavailable(error)) {
        options.onError(error);
      } else {
        options.onUnavailable(error);
      }
    }
    if (options.isDegraded()) {
      for (const [key, entry] of journal) {
        if (!this.#entries.has(key)) this.#entries.set(key, entry);
      }
      this.#clearedPrefixes.unshift(...prefixes);
      this.#dropped += droppedBefore;
      return undefined;
    }
    options.memory.clear();
    report.durationMs = Math.max(0, options.clock() - startedAt);
    return report;
  }

  async #invalidateKeys(keys: string[], report: RecoveryReport): Promise<void> {
    const { client, cluster } = this.#options;
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const groups = groupBySlot(batch, cluster);
      await Promise.all(
        groups.map((group) => client.unlink(...group.map((index) => batch[index] ?? ''))),
      );
      report.invalidated += batch.length;
    }
  }

  async #replay(journal: Map<string, JournalEntry>, report: RecoveryReport): Promise<void> {
    const options = this.#options;
    const { memory } = options;
    const sha = scriptSha1(REPLAY_LUA);
    const entries = [...journal];
    for (let start = 0; start < entries.length; start += REPLAY_CONCURRENCY) {
      if (options.isDegraded()) return;
      await Promise.all(
        entries.slice(start, start + REPLAY_CONCURRENCY).map(async ([key, entry]) => {
          let value: string | Buffer = '';
          let ttlMs = 0;
          if (entry.op === 'set') {
            const held = memory.peek(key);
            if (held === undefined) {
              report.dropped++;
              return;
            }
            value = typeof held === 'number' ? String(held) : asStoredBuffer(key, held);
            ttlMs = Math.max(0, memory.ttlMs(key));
          }
          try {
            const replayed = await options.evaluate(
              REPLAY_LUA,
              sha,
              [key, versionKey(key)],
              [entry.atMs, entry.op, value, ttlMs, options.tombstoneTtlMs],
            );
            if (Number(replayed) === 1) report.replayed++;
            else report.skipped++;
          } catch (error) {
            if (options.isUnavailable(error)) throw error;
            report.failed++;
            options.onError(error);
          }
        }),
      );
    }
  }
}
