import { CommandTimeoutError } from '@redgrid/core';
import type { Redis } from 'ioredis';
import { type InstanceLike, isClusterLike } from '../ioredis/internals.js';

/** Sends AUTH on `instance`'s socket, in line with its queued commands; bounded by `timeoutMs`. */
export async function authenticate(
  instance: InstanceLike,
  username: string | undefined,
  password: string,
  timeoutMs: number,
): Promise<void> {
  const redis = instance as unknown as Redis;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      username === undefined ? redis.auth(password) : redis.auth(username, password),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new CommandTimeoutError({ command: 'AUTH', timeoutMs })),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Makes every later (re)connect of `instance` use the new credentials. */
export function setCredentials(
  instance: InstanceLike,
  username: string | undefined,
  password: string,
): void {
  const apply = (options: Record<string, unknown> | undefined) => {
    if (options === undefined) return;
    options.password = password;
    if (username !== undefined) options.username = username;
  };
  if (isClusterLike(instance)) {
    apply(instance.options.redisOptions as Record<string, unknown> | undefined);
    apply(instance.connectionPool?.redisOptions);
  } else {
    apply(instance.options);
  }
}
