import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { isStoreFailure, type ResilientStore } from '@redgrid/fallback';
import { CacheService, RedisPartitioningService } from '@redgrid/nestjs';
import type { Cluster, Redis } from 'ioredis';
import { type CreateTaskInput, decodeTask, type Task, type UpdateTaskInput } from './task.js';

/** Every Redis key the service writes starts with this (cache and limiter keys included). */
export const keyPrefix = 'taskflow:';
const taskPrefix = `${keyPrefix}task:`;
const cacheTtlSeconds = 60;
// Tasks written to memory during an outage, replayed to Redis when it answers again.
const maxPendingTasks = 10_000;
const maxListedKeys = 10_000;

/** Where a read was answered from, for the `X-Cache` response header. */
export type TaskReadSource = 'hit' | 'miss';

/** A read of one task. */
export interface TaskRead {
  task: Task | undefined;
  cache: TaskReadSource;
  /** True when Redis was unusable and the in-memory fallback answered. */
  degraded: boolean;
}

function taskKey(id: string): string {
  return `${taskPrefix}${id}`;
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return 'nodes' in client && typeof client.nodes === 'function';
}

async function scanTaskKeys(client: Redis, found: Set<string>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${taskPrefix}*`, 'COUNT', 500);
    for (const key of keys) found.add(key);
    cursor = next;
  } while (cursor !== '0' && found.size < maxListedKeys);
}

/**
 * Tasks in Redis, one JSON string per task (`taskflow:task:<uuid>`), placed by the partitioning
 * service (one Redis, a Cluster, or independent nodes), with reads through the two-level
 * cache. Every Redis call goes through a `ResilientStore`, so while Redis is down tasks are
 * written to and read from memory; those written meanwhile are replayed to Redis when it answers
 * again (unless Redis holds a newer version of the task).
 */
@Injectable()
export class TaskRepository implements OnApplicationShutdown {
  readonly #partitioning: RedisPartitioningService;
  readonly #cache: CacheService;
  readonly #logger = new Logger('Tasks');
  readonly #pending = new Map<string, Task>();
  readonly #unsubscribe: Array<() => void> = [];

  constructor(
    @Inject(RedisPartitioningService) partitioning: RedisPartitioningService,
    @Inject(CacheService) cache: CacheService,
  ) {
    this.#partitioning = partitioning;
    this.#cache = cache;
    for (const node of partitioning.partitioned.layout.nodes) {
      const store = partitioning.getStoreForNode(node.id);
      this.#unsubscribe.push(store.on('recovered', () => void this.#replay(store)));
    }
  }

  /** The stores of every node, by node id (for health and metrics). */
  stores(): Record<string, ResilientStore> {
    const stores: Record<string, ResilientStore> = {};
    for (const node of this.#partitioning.partitioned.layout.nodes) {
      stores[`tasks:${node.id}`] = this.#partitioning.getStoreForNode(node.id);
    }
    return stores;
  }

  async create(input: CreateTaskInput): Promise<{ task: Task; degraded: boolean }> {
    const now = new Date().toISOString();
    const task: Task = { id: randomUUID(), ...input, createdAt: now, updatedAt: now };
    const degraded = await this.#write(task);
    return { task, degraded };
  }

  async get(id: string): Promise<TaskRead> {
    const key = taskKey(id);
    let loaded = false;
    const result = await this.#cache.cache.getOrSetWithMetadata<Task | undefined>(
      `task:${id}`,
      async () => {
        loaded = true;
        const stored = await this.#partitioning.getStoreForKey(key).get(key);
        return decodeTask(stored.value) ?? this.#pending.get(id);
      },
      { ttlMs: cacheTtlSeconds * 1_000 },
    );
    return {
      task: result.value,
      cache: loaded ? 'miss' : 'hit',
      degraded: result.degraded,
    };
  }

  async update(
    id: string,
    changes: UpdateTaskInput,
  ): Promise<{ task: Task; degraded: boolean } | undefined> {
    const key = taskKey(id);
    const stored = await this.#partitioning.getStoreForKey(key).get(key);
    const current = decodeTask(stored.value) ?? this.#pending.get(id);
    if (current === undefined) return undefined;
    const task: Task = { ...current, ...changes, updatedAt: new Date().toISOString() };
    const degraded = await this.#write(task);
    return { task, degraded: degraded || stored.degraded };
  }

  /**
   * The newest tasks first, at most `limit`. Scans every node (every master of a cluster);
   * a node that is down contributes what this process wrote to memory meanwhile.
   */
  async list(limit = 100): Promise<{ tasks: Task[]; degraded: boolean }> {
    let degraded = false;
    const tasks = new Map<string, Task>();
    for (const node of this.#partitioning.partitioned.layout.nodes) {
      const store = this.#partitioning.getStoreForNode(node.id);
      const keys = new Set<string>();
      let reachable = !store.degraded;
      if (reachable) {
        try {
          const client = this.#partitioning.partitioned.connectionOf(node.id).client;
          if (isCluster(client)) {
            for (const master of client.nodes('master')) await scanTaskKeys(master, keys);
          } else {
            await scanTaskKeys(client, keys);
          }
        } catch (error) {
          if (!isStoreFailure(error)) throw error;
          reachable = false;
        }
      }
      if (!reachable) {
        degraded = true;
        for (const key of store.memory.keys()) if (key.startsWith(taskPrefix)) keys.add(key);
      }
      if (keys.size === 0) continue;
      const values = await store.mget([...keys]);
      degraded ||= values.degraded;
      for (const value of values.value) {
        const task = decodeTask(value);
        if (task !== undefined) tasks.set(task.id, task);
      }
    }
    for (const task of this.#pending.values()) if (!tasks.has(task.id)) tasks.set(task.id, task);
    const sorted = [...tasks.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { tasks: sorted.slice(0, limit), degraded };
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** Writes the task to its node (or memory) and to the cache; true when memory took it. */
  async #write(task: Task): Promise<boolean> {
    const key = taskKey(task.id);
    const result = await this.#partitioning.getStoreForKey(key).set(key, JSON.stringify(task));
    if (result.source === 'memory') {
      if (this.#pending.size < maxPendingTasks || this.#pending.has(task.id)) {
        this.#pending.set(task.id, task);
      }
    } else {
      this.#pending.delete(task.id);
    }
    await this.#cache.set(`task:${task.id}`, task, cacheTtlSeconds);
    return result.degraded;
  }

  /** Replays to Redis the tasks of `store`'s node written to memory during the outage. */
  async #replay(store: ResilientStore): Promise<void> {
    let replayed = 0;
    for (const task of [...this.#pending.values()]) {
      const key = taskKey(task.id);
      if (this.#partitioning.getStoreForKey(key) !== store) continue;
      try {
        const current = decodeTask((await store.get(key)).value);
        if (current === undefined || current.updatedAt < task.updatedAt) {
          const result = await store.set(key, JSON.stringify(task));
          if (result.source === 'memory') return; // down again: the next recovery retries
        }
        if (this.#pending.get(task.id) === task) this.#pending.delete(task.id);
        replayed++;
      } catch (error) {
        this.#logger.warn(`Could not replay task ${task.id}: ${String(error)}`);
      }
    }
    if (replayed > 0) this.#logger.log(`Replayed ${replayed} task(s) written during the outage`);
  }
}
