import { CommandTimeoutError, ConnectionClosedError } from '@redgrid/core';
import type { InstanceLike } from '../ioredis/internals.js';

/**
 * Resolves once `instance` is ready; rejects when the connection closes, with the credentials
 * error once they are refused, or after `timeoutMs`. `waiters` holds the check while it waits:
 * the connection calls every waiter on each state change.
 */
export function waitUntilReady(options: {
  instance: InstanceLike;
  timeoutMs: number;
  waiters: Set<() => void>;
  isClosed: () => boolean;
  refused: () => Error | undefined;
  /** Why it is not ready yet, for the timeout message (state and last error). */
  describe: () => string;
}): Promise<void> {
  const { instance, timeoutMs, waiters } = options;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish();
      reject(
        options.refused() ??
          new CommandTimeoutError({
            command: 'CONNECT',
            timeoutMs,
            message: `Could not connect to Redis within ${timeoutMs} ms ${options.describe()}`,
          }),
      );
    }, timeoutMs);
    const check = () => {
      const refused = options.refused();
      if (instance.status === 'ready') {
        finish();
        resolve();
      } else if (options.isClosed()) {
        finish();
        reject(new ConnectionClosedError());
      } else if (refused !== undefined) {
        finish();
        reject(refused);
      }
    };
    const finish = () => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
    check();
  });
}
