/**
 * Prefix of the keys RedGrid keeps in your nodes (migration checkpoints). Scans, validation,
 * distribution counts and migrations skip keys with this prefix; do not use it for data.
 */
export const reservedKeyPrefix = '__redgrid:';

/** Hash holding the migration checkpoints of a source node, one field per plan id. */
export const checkpointKey = `${reservedKeyPrefix}partitioning:checkpoints`;

/** True for keys RedGrid reserves for itself. */
export function isReservedKey(key: string): boolean {
  return key.startsWith(reservedKeyPrefix);
}
