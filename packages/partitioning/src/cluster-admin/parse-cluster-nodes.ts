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

/** Slots as inclusive ranges: [0, 1, 2, 7] -> [[0, 2], [7, 7]]. Input sorted ascending. */
export function toSlotRanges(slots: readonly number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const slot of slots) {
    const last = ranges.at(-1);
    if (last && last[1] === slot - 1) last[1] = slot;
    else ranges.push([slot, slot]);
  }
  return ranges;
}

/** `0-5460,5470` style text of sorted slots, for messages and tables. */
export function formatSlotRanges(slots: readonly number[], maxRanges = Infinity): string {
  const ranges = toSlotRanges(slots);
  const shown = ranges
    .slice(0, maxRanges)
    .map(([start, end]) => (start === end ? String(start) : `${start}-${end}`));
  if (ranges.length > maxRanges) shown.push(`... (${ranges.length - maxRanges} more ranges)`);
  return shown.join(',');
}
