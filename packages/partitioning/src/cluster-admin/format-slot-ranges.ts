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

/**
 * Sorted slots as compact text, `0-5460,5470`, the way redis-cli prints them: for logs and
 * tables of `inspectCluster` snapshots and `planClusterRebalance` moves, whose slot lists run
 * to thousands of numbers. `maxRanges` cuts the list (`... (12 more ranges)`).
 */
export function formatSlotRanges(slots: readonly number[], maxRanges = Infinity): string {
  const ranges = toSlotRanges(slots);
  const shown = ranges
    .slice(0, maxRanges)
    .map(([start, end]) => (start === end ? String(start) : `${start}-${end}`));
  if (ranges.length > maxRanges) shown.push(`... (${ranges.length - maxRanges} more ranges)`);
  return shown.join(',');
}
