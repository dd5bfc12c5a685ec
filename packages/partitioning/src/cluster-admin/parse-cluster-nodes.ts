/** One line of `CLUSTER NODES`, as the answering node sees that node. */
export interface ClusterNodesEntry {
  /** The 40-character node id. */
  readonly id: string;
  /** Announced address (what other nodes and MIGRATE use). */
  readonly host: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** Its master's id, for a replica. */
  readonly masterId: string | undefined;
  readonly configEpoch: number;
  /** `connected` or `disconnected`. */
  readonly linkState: string;
  /** Slots it owns, expanded and sorted. */
  readonly slots: readonly number[];
  /** Slot -> target node id, for slots it migrates away (only on the `myself` line). */
  readonly migrating: ReadonlyMap<number, string>;
  /** Slot -> source node id, for slots it imports (only on the `myself` line). */
  readonly importing: ReadonlyMap<number, string>;
}

/**
 * Parses `CLUSTER NODES` (Redis 3 to 7 formats: `ip:port@cport[,hostname]`, slot ranges
 * `0-5460`, single slots, and the `[slot->-id]` / `[slot-<-id]` migration markers a node prints
 * about itself).
 */
export function parseClusterNodes(text: string): ClusterNodesEntry[] {
  const entries: ClusterNodesEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(' ');
    const [id, address, flags, master, , , epoch, linkState, ...rest] = fields;
    if (!id || !address || !flags || !linkState) continue;
    const hostPort = address.split('@')[0] ?? '';
    const colon = hostPort.lastIndexOf(':');
    const slots: number[] = [];
    const migrating = new Map<number, string>();
    const importing = new Map<number, string>();
    for (const field of rest) {
      if (field === '') continue;
      if (field.startsWith('[')) {
        const marker = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(field);
        if (marker) {
          const slot = Number(marker[1]);
          if (marker[2] === '>') migrating.set(slot, marker[3] ?? '');
          else importing.set(slot, marker[3] ?? '');
        }
        continue;
      }
      const [start, end] = field.split('-').map(Number);
      if (start === undefined || Number.isNaN(start)) continue;
      const last = end === undefined || Number.isNaN(end) ? start : end;
      for (let slot = start; slot <= last; slot++) slots.push(slot);
    }
    slots.sort((a, b) => a - b);
    entries.push({
      id,
      host: hostPort.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
      port: Number(hostPort.slice(colon + 1)),
      flags: flags.split(','),
      masterId: master === undefined || master === '-' ? undefined : master,
      configEpoch: Number(epoch ?? 0),
      linkState,
      slots,
      migrating,
      importing,
    });
  }
  return entries;
}
