import type { NodeHandle } from '../nodes/node-registry.js';
import type { MigrateTarget } from './move-keys.js';

/**
 * Where a source server can send MIGRATE for this node: its address and credentials from its
 * config (a Sentinel group's master as resolved now), or undefined when MIGRATE cannot be used
 * (no config, so unknown credentials; TLS, which MIGRATE does not speak).
 */
export async function migrateTargetOf(handle: NodeHandle): Promise<MigrateTarget | undefined> {
  const { connection, config } = handle;
  // Without the config the credentials and TLS settings are unknown: copy through the client.
  if (config === undefined || config.type === 'cluster' || config.options.tls !== undefined) {
    return undefined;
  }
  const credentials = {
    username: config.options.username,
    password: config.options.password?.reveal(),
  };
  if (config.type === 'single') {
    return {
      host: config.options.host,
      port: config.options.port,
      db: config.options.db,
      ...credentials,
    };
  }
  // Sentinel group: the master as resolved now.
  await connection.client.ping();
  const master = connection.health().currentMaster;
  if (master === undefined) return undefined;
  return {
    host: master.host,
    port: master.port,
    db: config.options.db,
    ...credentials,
  };
}
