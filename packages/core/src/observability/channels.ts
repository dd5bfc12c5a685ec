import { type Channel, channel } from 'node:diagnostics_channel';
import type { Address } from '../config/redis-config.js';

// Every RedGrid component publishes what it knows through `node:diagnostics_channel`: free when
// nobody subscribes (publishers check `hasSubscribers` before building a message), and one
// subscriber (`@redgrid/observability`, an audit log, a test) sees every component and every
// adapter alike. This file is the contract: channel names and message shapes. Messages never
// carry a value, a password or a command's arguments; keys only where a message says so.

/** How a command ended (see `@redgrid/connection`'s metrics). */
export type CommandOutcomeName = 'success' | 'reply-error' | 'failure' | 'timeout' | 'rejected';

/** `redgrid:command`: one finished command of a connection. Published per command: hot path. */
export interface CommandMessage {
  /** Name of the connection (`ConnectionOptions.name`, default `'redis'`). */
  readonly connection: string;
  /** Command name in upper case, e.g. `GET`. */
  readonly command: string;
  readonly outcome: CommandOutcomeName;
  readonly durationMs: number;
  /** Stable code of the error delivered, when there was one (`ERR_COMMAND_TIMEOUT`, `WRONGTYPE`). */
  readonly errorCode?: string;
}

/** `redgrid:connection:state`: the connection changed state. */
export interface ConnectionStateMessage {
  readonly connection: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** `redgrid:breaker`: a circuit breaker changed state. */
export interface BreakerMessage {
  /** The breaker's name (a connection's breaker is named after the connection). */
  readonly name: string;
  readonly from: 'closed' | 'open' | 'half-open';
  readonly to: 'closed' | 'open' | 'half-open';
  /** Why it opened, when it did. */
  readonly reason?: string;
  readonly openForMs?: number;
}

/** `redgrid:failover`: a master changed (or a Sentinel failover started or was aborted). */
export interface FailoverMessage {
  readonly connection: string;
  readonly phase: 'started' | 'switched' | 'aborted';
  readonly from?: Address;
  readonly to?: Address;
}

/** `redgrid:degradation`: a component started or stopped serving from its fallback. */
export interface DegradationMessage {
  /** Which kind of component: `store` (ResilientStore), `rate-limit`, `cache`. */
  readonly component: string;
  /** The instance's name, to tell several apart. */
  readonly name: string;
  readonly event: 'degraded' | 'recovered';
  /** Code of the error that caused it (`degraded`). */
  readonly errorCode?: string;
  /** How long the outage lasted (`recovered`). */
  readonly outageMs?: number;
}

/** `redgrid:rate-limit`: one rate-limit decision. Published per check: hot path. */
export interface RateLimitMessage {
  readonly limiter: string;
  readonly algorithm: string;
  readonly allowed: boolean;
  /** Who decided: Redis, the in-memory fallback, or the failure policy (`open` / `closed`). */
  readonly decidedBy: 'redis' | 'memory' | 'open' | 'closed';
}

/** `redgrid:cache`: one cache read. Published per read: hot path. */
export interface CacheMessage {
  readonly cache: string;
  /** Where the value came from: L1 memory, Redis (L2), a stale value in grace, the outage fallback, or nowhere. */
  readonly result: 'l1' | 'l2' | 'stale' | 'fallback' | 'miss';
}

/** `redgrid:memory`: memory of one Redis node, as read by a health check. */
export interface MemoryMessage {
  readonly connection: string;
  /** `host:port` of the node. */
  readonly node: string;
  readonly usedBytes: number;
  /** `maxmemory`; 0 means unlimited. */
  readonly maxBytes: number;
  /** usedBytes / maxBytes, or 0 when unlimited. */
  readonly ratio: number;
  readonly evictedKeys: number;
  readonly fragmentationRatio: number;
  /** At or over the warning ratio (`REDIS_MEMORY_WARN_RATIO`). */
  readonly warning: boolean;
}

/** `redgrid:migration`: progress of a data migration (client-side partitions or cluster slots). */
export interface MigrationMessage {
  readonly kind: 'partition' | 'cluster';
  readonly phase: 'start' | 'progress' | 'complete' | 'abort';
  /** Keys (partitions) or slots (cluster) done so far, and in all when known. */
  readonly done: number;
  readonly total?: number;
  readonly unit: 'keys' | 'slots';
}

/** `redgrid:admin`: an administrative act, for an audit log. */
export interface AdminMessage {
  /** What was done: `rebalance`, `migration`, `fix`, `credentials-rotated`, ... */
  readonly act: string;
  readonly outcome: 'started' | 'succeeded' | 'failed';
  /** Who or what it concerned (connection name, node addresses); never a secret. */
  readonly target?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** Every RedGrid channel with its message type. */
export interface RedGridChannels {
  'redgrid:command': CommandMessage;
  'redgrid:connection:state': ConnectionStateMessage;
  'redgrid:breaker': BreakerMessage;
  'redgrid:failover': FailoverMessage;
  'redgrid:degradation': DegradationMessage;
  'redgrid:rate-limit': RateLimitMessage;
  'redgrid:cache': CacheMessage;
  'redgrid:memory': MemoryMessage;
  'redgrid:migration': MigrationMessage;
  'redgrid:admin': AdminMessage;
}

/** The name of a RedGrid channel. */
export type RedGridChannelName = keyof RedGridChannels;

/** Every channel name, for a subscriber that wants all of them. */
export const redgridChannelNames: readonly RedGridChannelName[] = Object.freeze([
  'redgrid:command',
  'redgrid:connection:state',
  'redgrid:breaker',
  'redgrid:failover',
  'redgrid:degradation',
  'redgrid:rate-limit',
  'redgrid:cache',
  'redgrid:memory',
  'redgrid:migration',
  'redgrid:admin',
]);

const channels = new Map<RedGridChannelName, Channel>();

/**
 * The `diagnostics_channel` channel of `name` (the same object `diagnostics_channel.channel(name)`
 * returns, so a subscriber may use either). Publishers on a hot path keep it and test
 * `hasSubscribers` before building a message.
 */
export function redgridChannel(name: RedGridChannelName): Channel {
  let found = channels.get(name);
  if (found === undefined) {
    found = channel(name);
    channels.set(name, found);
  }
  return found;
}

/**
 * Publishes `message` on `name` when somebody listens (building nothing otherwise). Gotcha:
 * `diagnostics_channel` reports a subscriber that throws as an uncaught exception of its own
 * (Node's policy, not RedGrid's): subscribers must catch their own errors, as
 * `@redgrid/observability` does.
 */
export function publish<N extends RedGridChannelName>(name: N, message: RedGridChannels[N]): void {
  const target = redgridChannel(name);
  if (target.hasSubscribers) target.publish(message);
}
