import { messageOf } from './error-text.js';
import type { Logger } from './logger.js';

/**
 * The `onListenerError` of a connection's emitters: a listener that throws is logged and
 * ignored, never changing the result of what emitted the event.
 */
export function listenerErrorLogger(
  connection: string,
  logger: Logger,
): (error: unknown, event: string | number | symbol) => void {
  return (error, event) => {
    logger.error(
      { connection, event: String(event), err: messageOf(error) },
      'redis connection event listener threw (ignored)',
    );
  };
}
