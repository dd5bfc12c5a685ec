import { AuthError, publish } from '@redgrid/core';
import type { Credentials } from '../connection/redis-connection.js';
import { isAuthFailure } from '../guard/is-connection-failure.js';
import type { InstanceLike } from '../ioredis/internals.js';
import { messageOf } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import type { AuthRecovery } from './auth-recovery.js';
import { authenticate, setCredentials } from './credentials.js';

/**
 * Re-authenticates every live connection with `credentials.password` (see
 * `RedisConnection.rotateCredentials`), then makes every later reconnect use them. Throws
 * `AuthError`, keeping the old credentials, when Redis refuses them.
 */
export async function rotateCredentials(options: {
  credentials: Credentials;
  password: string;
  auth: AuthRecovery;
  connection: string;
  logger: Logger;
  /** Every ioredis instance owned; with `true` also clusters themselves and unready ones. */
  instances: (includeNotReady?: boolean) => InstanceLike[];
  timeoutMs: number;
  scrub: (text: string) => string;
}): Promise<void> {
  const { auth, connection, logger, password, timeoutMs } = options;
  const username = options.credentials.username ?? auth.username;
  const live = options.instances().filter((instance) => instance.status === 'ready');
  const results = await Promise.allSettled(
    live.map((instance) => authenticate(instance, username, password, timeoutMs)),
  );
  const refused = results.find(
    (result): result is PromiseRejectedResult =>
      result.status === 'rejected' && isAuthFailure(result.reason),
  );
  if (refused !== undefined) {
    const error = new AuthError(
      `Redis refused the new credentials${username === undefined ? '' : ` of ACL user "${username}"`} (${options.scrub(messageOf(refused.reason))}); the previous credentials stay in use`,
      { cause: refused.reason },
    );
    logger.error({ connection }, error.message);
    publish('redgrid:admin', { act: 'credentials-rotated', outcome: 'failed', target: connection });
    throw error;
  }
  auth.username = username;
  for (const instance of options.instances(true)) setCredentials(instance, username, password);
  logger.info({ connection, connections: live.length }, 'redis credentials rotated');
  publish('redgrid:admin', {
    act: 'credentials-rotated',
    outcome: 'succeeded',
    target: connection,
    details: { connections: live.length, ...(username === undefined ? {} : { username }) },
  });
  if (auth.fatal !== undefined) auth.retry(true);
}
