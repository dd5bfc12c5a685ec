/**
 * Eight 16-bit groups of an IPv6 address that `net.isIPv6` accepted and whose zone (`%eth0`)
 * is already removed: `::` expanded, an embedded dotted IPv4 tail (`64:ff9b::192.0.2.33`)
 * turned into the last two groups.
 */
export function ipv6Groups(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a = 0, b = 0, c = 0, d = 0] = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    // `1:2:3:4:5:6:` loses its separator; `::ffff:` keeps the `::`.
    text = text.endsWith('::', lastColon + 1)
      ? text.slice(0, lastColon + 1)
      : text.slice(0, lastColon);
  }
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === ''
      ? []
      : part.split(':').map((group) => Number.parseInt(group, 16));
  const [head, rest] = text.split('::');
  const headGroups = parse(head);
  const restGroups = parse(rest);
  const missing = 8 - tail.length - headGroups.length - restGroups.length;
  return [...headGroups, ...new Array<number>(missing).fill(0), ...restGroups, ...tail];
}

/** RFC 5952 text of eight groups: lower case, the first longest run of two or more zeros as `::`. */
export function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < groups.length; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
