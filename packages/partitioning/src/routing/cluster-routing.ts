import type { RedisConnection } from '@redgrid/connection';
import { keySlot } from '@redgrid/core';
import type { Cluster } from 'ioredis';

/** Cluster mode's routing: the cluster places keys by hash slot; this groups keys the same way. */
export class ClusterRouting {
  readonly #connection: RedisConnection;

  constructor(connection: RedisConnection) {
    this.#connection = connection;
  }

  get client(): Cluster {
    return this.#connection.client as Cluster;
  }

  slotOf(key: string): number {
    return keySlot(key);
  }

  /** Pipeline group of a key: the master serving its slot (per the client's slot map). */
  groupOf(key: string): string {
    const slot = keySlot(key);
    return this.client.slots[slot]?.[0] ?? `slot:${slot}`;
  }
}
