/** A value as Redis commands take it. */
export type RedisArgument = string | Buffer | number;

/** One reply of a pipeline: the error of that command, or its result. */
export type PipelineReply = [error: Error | null, result: unknown];

/** One queued command: the key that routes it, the command name and its arguments. */
export interface QueuedCommand {
  readonly key: string;
  readonly name: string;
  readonly args: readonly RedisArgument[];
}

/**
 * A pipeline over the partitioned nodes: commands are queued, then `exec()` sends one ioredis
 * pipeline per node (in parallel) and returns the replies in the order the commands were
 * queued, like ioredis' `exec()`. Every command is routed by one key (its first key); a
 * command naming several keys must keep them on one node (hash tags). Not a transaction:
 * commands on different nodes are not atomic together.
 *
 * During a migration the keys of queued commands are moved to their new owner first (only
 * those still on the old one), so any command, read-modify-write included, sees current data.
 */
export class PartitionedPipeline {
  readonly #commands: QueuedCommand[] = [];
  readonly #execute: (commands: readonly QueuedCommand[]) => Promise<PipelineReply[]>;

  /** @internal Created by `PartitionedRedis.pipeline()`. */
  constructor(execute: (commands: readonly QueuedCommand[]) => Promise<PipelineReply[]>) {
    this.#execute = execute;
  }

  /** Commands queued so far. */
  get length(): number {
    return this.#commands.length;
  }

  /**
   * Queues any command routed by `key`: `command('hincrby', 'user:1', 'user:1', 'visits', 1)`
   * sends `HINCRBY user:1 visits 1` to the owner of `user:1`. `args` are the full argument
   * list (the key included, where the command wants it).
   */
  command(name: string, key: string, ...args: RedisArgument[]): this {
    this.#commands.push({ key, name, args });
    return this;
  }

  /** GET. */
  get(key: string): this {
    return this.command('get', key, key);
  }

  /** SET, with an optional TTL in milliseconds (PX). */
  set(key: string, value: RedisArgument, options: { ttlMs?: number } = {}): this {
    return options.ttlMs === undefined
      ? this.command('set', key, key, value)
      : this.command('set', key, key, value, 'PX', options.ttlMs);
  }

  /** DEL of one key. */
  del(key: string): this {
    return this.command('del', key, key);
  }

  /** EXISTS of one key. */
  exists(key: string): this {
    return this.command('exists', key, key);
  }

  /** INCRBY (INCR when `by` is 1). */
  incr(key: string, by = 1): this {
    return by === 1 ? this.command('incr', key, key) : this.command('incrby', key, key, by);
  }

  /** PEXPIRE: TTL in milliseconds. */
  pexpire(key: string, ttlMs: number): this {
    return this.command('pexpire', key, key, ttlMs);
  }

  /** PTTL: remaining TTL in milliseconds (-1 none, -2 no key). */
  pttl(key: string): this {
    return this.command('pttl', key, key);
  }

  /** HSET of one field. */
  hset(key: string, field: string, value: RedisArgument): this {
    return this.command('hset', key, key, field, value);
  }

  /** HGET. */
  hget(key: string, field: string): this {
    return this.command('hget', key, key, field);
  }

  /** HGETALL (the reply is a flat array [field, value, ...] as the server sends it). */
  hgetall(key: string): this {
    return this.command('hgetall', key, key);
  }

  /** Sends every queued command; replies in queue order. The pipeline can be reused after. */
  async exec(): Promise<PipelineReply[]> {
    const commands = this.#commands.splice(0);
    if (commands.length === 0) return [];
    return this.#execute(commands);
  }
}
