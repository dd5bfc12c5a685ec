import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type {
  AdminMessage,
  BreakerMessage,
  FailoverMessage,
  MigrationMessage,
  RedGridChannelName,
} from '@redgrid/core';
import { pino } from 'pino';
import type { Logger } from '../logging/logger.js';

/** One finished write command, as the audit log records it. */
export interface AuditedCommand {
  /** Command name in upper case. */
  readonly command: string;
  /** Its first key, when it has keys (hashed or not per `keys`); never its value. */
  readonly key: string | undefined;
  /** `host:port` of the server that answered, when known. */
  readonly node: string | undefined;
  readonly outcome: string;
  readonly durationMs: number;
  /** Stable code of the error, when it failed. */
  readonly errorCode?: string | undefined;
}

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** The connection's name: breaker and failover events of other connections are left out. */
  connection: string;
  /** Where lines go. Default: a pino logger named `redgrid-audit` on standard output. */
  logger?: Logger | undefined;
  /** `hash` (default): SHA-256 of the key, 16 hex digits; `plain`: the key itself. */
  keys: 'hash' | 'plain';
}

/**
 * The audit log of one connection (`REDIS_AUDIT=true`): one `info` line per administrative act
 * seen in the process (`redgrid:admin`: rebalances, fixes, credential rotations; and
 * `redgrid:migration` starts, completions and aborts), per failover and breaker transition of
 * this connection, and (`REDIS_AUDIT_WRITES=true`) per write command. Every line has `audit:
 * true` and an `act`, so a log pipeline can route them. Never a value, a password or an
 * argument other than the first key, which is hashed unless `REDIS_AUDIT_KEYS=plain`.
 */
export class AuditLog {
  readonly #options: AuditLogOptions;
  readonly #logger: Logger;
  readonly #subscriptions: Array<[RedGridChannelName, (message: unknown) => void]> = [];

  constructor(options: AuditLogOptions) {
    this.#options = options;
    this.#logger = options.logger ?? pinoLogger();
    this.#listen('redgrid:admin', (message: AdminMessage) => {
      this.#line({
        act: message.act,
        outcome: message.outcome,
        target: message.target,
        ...message.details,
      });
    });
    this.#listen('redgrid:migration', (message: MigrationMessage) => {
      if (message.phase === 'progress') return;
      this.#line({
        act: `${message.kind}-migration`,
        outcome: message.phase,
        done: message.done,
        total: message.total,
        unit: message.unit,
      });
    });
    this.#listen('redgrid:failover', (message: FailoverMessage) => {
      if (message.connection !== options.connection) return;
      this.#line({
        act: 'failover',
        outcome: message.phase,
        from: message.from === undefined ? undefined : `${message.from.host}:${message.from.port}`,
        to: message.to === undefined ? undefined : `${message.to.host}:${message.to.port}`,
      });
    });
    this.#listen('redgrid:breaker', (message: BreakerMessage) => {
      if (message.name !== options.connection) return;
      this.#line({
        act: 'breaker',
        outcome: message.to,
        from: message.from,
        reason: message.reason,
      });
    });
  }

  /** Records one write command (called by the connection for writes, with `REDIS_AUDIT_WRITES`). */
  command(command: AuditedCommand): void {
    this.#line({
      act: 'write',
      command: command.command,
      key: command.key === undefined ? undefined : this.#key(command.key),
      node: command.node,
      outcome: command.outcome,
      durationMs: Math.round(command.durationMs * 1000) / 1000,
      error: command.errorCode,
    });
  }

  /** Stops listening. */
  close(): void {
    for (const [name, listener] of this.#subscriptions.splice(0)) unsubscribe(name, listener);
  }

  #listen<M>(name: RedGridChannelName, handle: (message: M) => void): void {
    // diagnostics_channel turns a throwing subscriber into an uncaught exception: never throw.
    const listener = (message: unknown) => {
      try {
        handle(message as M);
      } catch {
        // An audit line that cannot be written must not break what it records.
      }
    };
    subscribe(name, listener);
    this.#subscriptions.push([name, listener]);
  }

  #line(fields: Record<string, unknown>): void {
    const details: Record<string, unknown> = { audit: true, connection: this.#options.connection };
    for (const [name, value] of Object.entries(fields))
      if (value !== undefined) details[name] = value;
    this.#logger.info(details, `redis audit: ${String(fields.act)}`);
  }

  #key(key: string): string {
    if (this.#options.keys === 'plain') return key;
    return createHash('sha256').update(key).digest('hex').slice(0, 16);
  }
}

function pinoLogger(): Logger {
  const logger = pino({ name: 'redgrid-audit' });
  return {
    debug: (details, message) => logger.debug(details, message),
    info: (details, message) => logger.info(details, message),
    warn: (details, message) => logger.warn(details, message),
    error: (details, message) => logger.error(details, message),
  };
}
