import { keySlot } from '@redgrid/core';

type Argument = string | number | Buffer;

/**
 * The ioredis commands the ResilientStore sends, typed narrowly. Both `Redis` and `Cluster`
 * (ioredis 5.4+ and 6) have them; their own overloaded signatures do not combine into a
 * callable union, so the client is seen through this interface.
 */
export interface CommandClient {
  readonly isCluster?: boolean;
  get(key: string): Promise<string | null>;
  getBuffer(key: string): Promise<Buffer | null>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  mgetBuffer(...keys: string[]): Promise<Array<Buffer | null>>;
  set(key: string, value: string | Buffer, ...options: Argument[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  unlink(...keys: string[]): Promise<number>;
  pttl(key: string): Promise<number>;
  pexpire(key: string, milliseconds: number): Promise<number>;
  persist(key: string): Promise<number>;
  evalsha(sha1: string, numberOfKeys: number, ...keysAndArgs: Argument[]): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...keysAndArgs: Argument[]): Promise<unknown>;
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    batch: number,
  ): Promise<[string, string[]]>;
  nodes?(role: 'master'): CommandClient[];
}

/** Views an ioredis `Redis` or `Cluster` through {@link CommandClient}. */
export function asCommandClient(client: object): CommandClient {
  return client as CommandClient;
}

/** True for an ioredis Cluster. */
export function isCluster(client: CommandClient): boolean {
  return client.isCluster === true && typeof client.nodes === 'function';
}

/**
 * Indexes of `keys` grouped by cluster slot, in first-seen order. On a standalone server (or
 * sentinel group) every key is in one group: any multi-key command is allowed there.
 */
export function groupBySlot(keys: readonly string[], cluster: boolean): number[][] {
  if (!cluster) return [keys.map((_, index) => index)];
  const groups = new Map<number, number[]>();
  for (let index = 0; index < keys.length; index++) {
    const slot = keySlot(keys[index] ?? '');
    const group = groups.get(slot);
    if (group) group.push(index);
    else groups.set(slot, [index]);
  }
  return [...groups.values()];
}

/** Escapes the glob characters of a SCAN `MATCH` pattern. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
