import { createConnection, type RedisConnection } from '@redgrid/connection';
import type { RedisConfig } from '@redgrid/core';

/** Runs `task` with a connection for `config`, closing it afterwards whatever happens. */
export async function withConnection<T>(
  config: RedisConfig,
  task: (connection: RedisConnection) => Promise<T>,
): Promise<T> {
  const connection = createConnection(config, { name: 'redgrid-cli' });
  try {
    return await task(connection);
  } finally {
    await connection.close({ timeoutMs: 1000 });
  }
}
