import { isIPv6 } from 'node:net';

/**
 * The part of a client address a limit is keyed by: an IPv4 address as is, an IPv6 address by
 * its /64 subnet (one host usually holds a whole /64, so keying by the full address would let a
 * client rotate addresses freely). IPv4-mapped IPv6 addresses count as IPv4.
 */
export function clientAddressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const missing = address.includes('::') ? 8 - headParts.length - tailParts.length : 0;
  const groups = [...headParts, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailParts];
  const prefix = groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':');
  return `${prefix}::/64`;
}
