// Test support (not published): a steady write load for the fault tests, recording what the
// callers saw (errors, the longest a single command took) and which writes were acknowledged,
// so that every acknowledged write can be read back afterwards.
import type { Cluster, Redis } from 'ioredis';

/** What the fault tests print and assert. */
export interface LoadSummary {
  writers: number;
  attempted: number;
  acknowledged: number;
  /** Errors surfaced to callers, in total and by error name/code. */
  errors: number;
  errorKinds: Record<string, number>;
  /** The longest time one command took to succeed or fail, in ms. */
  longestStallMs: number;
  /** The longest time no write at all was acknowledged, in ms. */
  longestGapMs: number;
}

function kindOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const name = (error as { name?: unknown }).name;
  const message = (error as { message?: unknown }).message;
  return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message.slice(0, 60) : ''}`;
}

/**
 * `writers` concurrent loops, each writing fresh keys (`<prefix>:<writer>:<n>` = the key itself)
 * one after the other. Keys carry no hash tag, so on a cluster they cover every master. After an
 * error a writer pauses 10 ms, so failing fast does not turn into a busy loop.
 */
export class WriteLoad {
  readonly acknowledged: string[] = [];
  readonly errorKinds = new Map<string, number>();
  readonly #client: Redis | Cluster;
  readonly #writers: number;
  readonly #prefix: string;
  #running: Array<Promise<void>> = [];
  #stopped = false;
  #attempted = 0;
  #errors = 0;
  #longestStallMs = 0;
  #lastAckAt = 0;
  #longestGapMs = 0;

  constructor(client: Redis | Cluster, options: { writers?: number; prefix: string }) {
    this.#client = client;
    this.#writers = options.writers ?? 50;
    this.#prefix = options.prefix;
  }

  get errors(): number {
    return this.#errors;
  }

  start(): void {
    this.#lastAckAt = performance.now();
    this.#running = Array.from({ length: this.#writers }, (_, writer) => this.#write(writer));
  }

  async stop(): Promise<LoadSummary> {
    this.#stopped = true;
    await Promise.all(this.#running);
    return this.summary();
  }

  summary(): LoadSummary {
    return {
      writers: this.#writers,
      attempted: this.#attempted,
      acknowledged: this.acknowledged.length,
      errors: this.#errors,
      errorKinds: Object.fromEntries(this.errorKinds),
      longestStallMs: Math.round(this.#longestStallMs),
      longestGapMs: Math.round(this.#longestGapMs),
    };
  }

  /** Reads back every acknowledged key; returns how many are missing or wrong. */
  async lostWrites(client: Redis | Cluster = this.#client): Promise<number> {
    let lost = 0;
    for (let start = 0; start < this.acknowledged.length; start += 500) {
      const keys = this.acknowledged.slice(start, start + 500);
      const values = await Promise.all(keys.map((key) => client.get(key)));
      values.forEach((value, index) => {
        if (value !== keys[index]) lost++;
      });
    }
    return lost;
  }

  async #write(writer: number): Promise<void> {
    for (let sequence = 0; !this.#stopped; sequence++) {
      const key = `${this.#prefix}:${writer}:${sequence}`;
      const start = performance.now();
      this.#attempted++;
      let failed = false;
      try {
        await this.#client.set(key, key);
        const now = performance.now();
        this.#longestGapMs = Math.max(this.#longestGapMs, now - this.#lastAckAt);
        this.#lastAckAt = now;
        this.acknowledged.push(key);
      } catch (error) {
        failed = true;
        this.#errors++;
        const kind = kindOf(error);
        this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
      }
      this.#longestStallMs = Math.max(this.#longestStallMs, performance.now() - start);
      if (failed) await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
