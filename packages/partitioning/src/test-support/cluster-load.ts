// Test support (not published): a keyspace with TTLs and 50 concurrent writers on a Redis
// Cluster, through a RedGrid connection made from the environment alone (the defaults users
// get), and the checks the rebalance tests make afterwards.
import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import type { Cluster } from 'ioredis';

export const preloadTtlMs = 3_600_000;

/** Key `index` of the preloaded keyspace (every 10th without TTL, every 25th a hash). */
export function preloadKey(index: number): string {
  return index % 25 === 0 ? `profile:{u${index}}` : `item:${index}`;
}

/** The application's connection: `createConnection(loadConfigFromEnv(env))`, nothing else. */
export function defaultConnection(env: Record<string, string>): RedisConnection<Cluster> {
  return createConnection(loadConfigFromEnv(env)) as RedisConnection<Cluster>;
}

/** Writes `count` keys (TTL 1 h + index ms, or none), pipelined. */
export async function preload(client: Cluster, count: number): Promise<{ writtenAt: number }> {
  const writtenAt = Date.now();
  // Commands in flight together (a cluster pipeline must stay on one node).
  for (let offset = 0; offset < count; offset += 1000) {
    const writes: Array<Promise<unknown>> = [];
    for (let index = offset; index < Math.min(count, offset + 1000); index++) {
      const key = preloadKey(index);
      const ttl = preloadTtlMs + index;
      if (index % 25 === 0) {
        writes.push(
          client
            .hset(key, 'n', String(index))
            .then(() => (index % 10 !== 5 ? client.pexpire(key, ttl) : 0)),
        );
      } else if (index % 10 === 5) writes.push(client.set(key, `v${index}`));
      else writes.push(client.set(key, `v${index}`, 'PX', ttl));
    }
    await Promise.all(writes);
  }
  return { writtenAt };
}

/** Checks every preloaded key: value and TTL (within the window of the write). */
export async function checkPreloaded(
  client: Cluster,
  count: number,
  writtenAt: number,
): Promise<{ lost: number; wrong: number; ttlLost: number; ttlWrong: number }> {
  let lost = 0;
  let wrong = 0;
  let ttlLost = 0;
  let ttlWrong = 0;
  for (let offset = 0; offset < count; offset += 1000) {
    const indexes: number[] = [];
    for (let index = offset; index < Math.min(count, offset + 1000); index++) indexes.push(index);
    const replies = await Promise.all(
      indexes.map((index) => {
        const key = preloadKey(index);
        return Promise.all([
          index % 25 === 0 ? client.hget(key, 'n') : client.get(key),
          client.pttl(key),
        ]);
      }),
    );
    // Measured once the batch's replies are in: a key checked late in a long check on a busy
    // machine has lost that much more of its TTL, and that is not a TTL lost in the move.
    const elapsed = Date.now() - writtenAt;
    indexes.forEach((index, position) => {
      const [value, pttl] = replies[position] ?? [null, -2];
      const expected = index % 25 === 0 ? String(index) : `v${index}`;
      if (value === null) lost++;
      else if (value !== expected) wrong++;
      const ttl = Number(pttl);
      if (index % 10 === 5) {
        if (ttl !== -1) ttlWrong++;
      } else if (ttl === -1) ttlLost++;
      else if (ttl > preloadTtlMs + index || ttl < preloadTtlMs + index - elapsed - 1000)
        ttlWrong++;
    });
  }
  return { lost, wrong, ttlLost, ttlWrong };
}

/**
 * `writers` loops, each SETting fresh keys with a TTL, GETting them back and reading a random
 * preloaded key, until stopped. Every error the application would see is counted by kind.
 */
export class ClusterWriters {
  readonly acknowledged: string[] = [];
  readonly errors: string[] = [];
  readonly #client: Cluster;
  readonly #writers: number;
  readonly #preloaded: number;
  readonly #prefix: string;
  #running: Array<Promise<void>> = [];
  #stopped = false;
  operations = 0;

  constructor(client: Cluster, options: { writers?: number; preloaded: number; prefix: string }) {
    this.#client = client;
    this.#writers = options.writers ?? 50;
    this.#preloaded = options.preloaded;
    this.#prefix = options.prefix;
  }

  start(): void {
    this.#running = Array.from({ length: this.#writers }, (_, writer) => this.#loop(writer));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#running);
  }

  async #loop(writer: number): Promise<void> {
    for (let n = 0; !this.#stopped; n++) {
      const key = `${this.#prefix}:${writer}:${n}`;
      try {
        await this.#client.set(key, key, 'PX', preloadTtlMs);
        this.acknowledged.push(key);
        const read = await this.#client.get(key);
        if (read !== key) this.errors.push(`read back ${key}: ${String(read)}`);
        const index = (writer * 7919 + n * 104_729) % this.#preloaded;
        if (index % 25 !== 0) {
          const value = await this.#client.get(preloadKey(index));
          if (value !== `v${index}`)
            this.errors.push(`preloaded ${preloadKey(index)}: ${String(value)}`);
        }
        this.operations += 3;
      } catch (error) {
        this.errors.push(
          error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  /** Keys acknowledged but missing now. */
  async missing(): Promise<number> {
    let missing = 0;
    for (let offset = 0; offset < this.acknowledged.length; offset += 1000) {
      const keys = this.acknowledged.slice(offset, offset + 1000);
      const values = await Promise.all(keys.map((key) => this.#client.get(key)));
      keys.forEach((key, index) => {
        if (values[index] !== key) missing++;
      });
    }
    return missing;
  }
}
