import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '@redgrid/core';

/** Options of {@link ipKey}. */
export interface IpKeyOptions {
  /**
   * Prefix length (1..128) that IPv6 clients are grouped by, or `false` to key each IPv6
   * address alone. Default 64: one customer usually holds at least a /64 and can rotate through
   * its 2^64 addresses at will, so per-address keys would let it bypass any limit. Use 56 or 48
   * for stricter limits on providers that hand out larger blocks.
   */
  ipv6Subnet?: number | false;
}

const DEFAULT_IPV6_SUBNET = 64;

/**
 * Parses an IPv6 address (with `::`, an embedded dotted IPv4 tail, and no zone) into eight
 * 16-bit groups; undefined when it is not one.
 */
function parseIpv6(address: string): number[] | undefined {
  let text = address;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybeIpv4 = text.slice(lastColon + 1);
  if (maybeIpv4.includes('.')) {
    if (!isIPv4(maybeIpv4)) return undefined;
    const octets = maybeIpv4.split('.').map(Number);
    tail = [((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0)];
    text = `${text.slice(0, lastColon + 1)}${tail.length > 0 ? '0:0' : ''}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === ''
      ? []
      : part.split(':').map((group) => Number.parseInt(group, 16));
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [
    ...head,
    ...new Array<number>(halves.length === 2 ? missing : 0).fill(0),
    ...rest,
  ];
  if (tail.length > 0) groups.splice(6, 2, ...tail);
  if (groups.some((group) => !Number.isInteger(group) || group < 0 || group > 0xffff))
    return undefined;
  return groups;
}

/** RFC 5952 text of eight groups: lower case, the longest run of two or more zeros as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
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

/**
 * The rate-limit key of a client address: an IPv4 address as is; an IPv4-mapped IPv6 address
 * (`::ffff:203.0.113.7`, what a dual-stack server sees for IPv4 clients) as the IPv4 address, so
 * that one client gets one key whichever way it connects; any other IPv6 address as its network
 * (`2001:db8:1:2::/64`), because a single host can use every address of its subnet. A zone
 * (`%eth0`) is dropped. Anything else (an empty string, a non-IP value from a proxy header) is
 * returned unchanged.
 *
 * Use it in a custom `keyGenerator` that combines the IP with something else, e.g.
 * `` (req) => `${req.params.tenant}:${ipKey(req.ip ?? '')}` ``.
 */
export function ipKey(address: string, options: IpKeyOptions = {}): string {
  if (isIPv4(address)) return address;
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(bare)) return address;
  const groups = parseIpv6(bare);
  if (groups === undefined) return address;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  const subnet = options.ipv6Subnet ?? DEFAULT_IPV6_SUBNET;
  if (subnet === false) return formatIpv6(groups);
  if (!Number.isInteger(subnet) || subnet < 1 || subnet > 128) {
    throw new ConfigError([
      {
        variable: 'options.ipv6Subnet',
        message: `must be an integer from 1 to 128 (a prefix length) or false, got ${String(subnet)}`,
      },
    ]);
  }
  const masked = groups.map((group, index) => {
    const bits = Math.min(16, Math.max(0, subnet - index * 16));
    return bits === 0 ? 0 : group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${formatIpv6(masked)}/${subnet}`;
}
