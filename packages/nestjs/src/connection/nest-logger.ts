import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from '@redgrid/connection';

/**
 * A `@redgrid/connection` logger writing through Nest's `Logger`, so connection state changes,
 * failovers and errors appear in the application's log with the `RedGrid` context. Details are
 * appended as JSON; the connection never passes secrets or command arguments.
 */
export function createNestLogger(context = 'RedGrid'): Logger {
  const logger = new NestLogger(context);
  const format = (details: Record<string, unknown>, message: string) => {
    const keys = Object.keys(details);
    return keys.length === 0 ? message : `${message} ${JSON.stringify(details)}`;
  };
  return {
    debug: (details, message) => logger.debug(format(details, message)),
    info: (details, message) => logger.log(format(details, message)),
    warn: (details, message) => logger.warn(format(details, message)),
    error: (details, message) => logger.error(format(details, message)),
  };
}
