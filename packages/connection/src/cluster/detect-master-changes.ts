/** A master replaced by another for the same slots, as seen between two topology refreshes. */
export interface MasterChange {
  /** `host:port` of the master that served the slots before. */
  from: string;
  /** `host:port` of the node serving them now. */
  to: string;
}

/**
 * Compares two slot maps (slot index → `host:port` of its master, undefined when unassigned)
 * and returns each failover: slots whose master changed to a node that took over from a master
 * that no longer serves any slot. Slots moved between two live masters (resharding) are not a
 * failover and are not reported.
 */
export function detectMasterChanges(
  previous: ReadonlyArray<string | undefined>,
  current: ReadonlyArray<string | undefined>,
): MasterChange[] {
  const currentMasters = new Set<string>();
  for (const master of current) if (master !== undefined) currentMasters.add(master);
  const changes = new Map<string, MasterChange>();
  const length = Math.min(previous.length, current.length);
  for (let slot = 0; slot < length; slot++) {
    const from = previous[slot];
    const to = current[slot];
    if (from === undefined || to === undefined || from === to || currentMasters.has(from)) continue;
    const key = `${from}>${to}`;
    if (!changes.has(key)) changes.set(key, { from, to });
  }
  return [...changes.values()];
}
