import { type CommandMessage, redgridChannel } from '@redgrid/core';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandMetricsEvent } from '../connection/connection-options.js';
import { WriteFence } from '../fence/write-fence.js';
import type { CommandEvent } from '../guard/command-guard-options.js';
import { nodeAddress } from '../ioredis/addresses.js';
import type { CommandLike } from '../ioredis/internals.js';
import { errorCode, messageOf } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';

/**
 * The guard's per-command hook of one connection: publishes on `redgrid:command` (when
 * subscribed), calls the user's `metrics.onCommand` (a throw is logged, never propagated) and
 * records writes in the audit log when `audit` is given.
 */
export function createCommandHook(options: {
  connection: string;
  logger: Logger;
  onCommand: ((event: CommandMetricsEvent) => void) | undefined;
  audit: AuditLog | undefined;
}): (event: CommandEvent) => void {
  const { connection, logger, onCommand, audit } = options;
  const commands = redgridChannel('redgrid:command');
  return (event) => {
    if (commands.hasSubscribers) {
      commands.publish({
        connection,
        command: event.command,
        outcome: event.outcome,
        durationMs: event.durationMs,
        ...(event.error === undefined ? {} : { errorCode: errorCode(event.error) }),
      } satisfies CommandMessage);
    }
    if (onCommand !== undefined) {
      try {
        onCommand({
          command: event.command,
          outcome: event.outcome,
          durationMs: event.durationMs,
        });
      } catch (error) {
        logger.error({ connection, err: messageOf(error) }, 'redis metrics hook threw');
      }
    }
    if (audit !== undefined && WriteFence.isWrite(event.command)) {
      audit.command({
        command: event.command,
        key: firstKey(event.source),
        node: event.node === undefined ? undefined : nodeAddress(event.node),
        outcome: event.outcome,
        durationMs: event.durationMs,
        errorCode: event.error === undefined ? undefined : errorCode(event.error),
      });
    }
  };
}

function firstKey(command: CommandLike | undefined): string | undefined {
  const key = command?.getKeys?.()[0];
  if (key === undefined) return undefined;
  const text = String(key);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
