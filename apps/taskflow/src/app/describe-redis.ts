import type { RedisConfig } from '@redgrid/core';

/** One line naming the Redis a configuration points at (never a password). */
export function describeRedis(config: RedisConfig): string {
  switch (config.type) {
    case 'single':
      return `single server ${config.options.host}:${config.options.port} (db ${config.options.db})`;
    case 'cluster':
      return `Redis Cluster via ${config.options.nodes.map((node) => `${node.host}:${node.port}`).join(', ')}`;
    case 'sentinel':
      return `Sentinel group "${config.options.name}" via ${config.options.sentinels.map((node) => `${node.host}:${node.port}`).join(', ')}`;
  }
}
