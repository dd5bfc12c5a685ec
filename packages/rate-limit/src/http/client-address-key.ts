import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError, type ConfigIssue } from '@redgrid/core';
import { formatIpv6, ipv6Groups } from './ipv6-text.js';

/** Options of {@link clientAddressKey}. */
export interface ClientAddressKeyOptions {
  /**
   * Prefix length (1..128) that IPv6 clients are grouped by, or `false` to key each IPv6
   * address alone. Default 64 ({@link DEFAULT_IPV6_SUBNET}).
   */
  ipv6Subnet?: number | false;
}

/**
 * The IPv6 prefix length clients are grouped by unless told otherwise. /64 is the smallest block
 * an end site gets (SLAAC needs a whole /64), so one host can rotate through 2^64 addresses at
 * will and any longer prefix lets it escape a limit; a shorter one (/56, /48) is stricter but
 * puts unrelated customers of providers that hand out a /64 each (most mobile networks) under
 * one key.
 */
export const DEFAULT_IPV6_SUBNET = 64;

/** The key used when the framework knows no address for the request. */
const UNKNOWN_CLIENT = 'unknown';

/**
 * Problems with {@link ClientAddressKeyOptions}, named `options.<field>`: for an adapter that
 * validates every option at construction and throws one `ConfigError` listing them all.
 */
export function clientAddressKeyIssues(options: ClientAddressKeyOptions): ConfigIssue[] {
  const subnet = options.ipv6Subnet;
  if (
    subnet === undefined ||
    subnet === false ||
    (Number.isInteger(subnet) && subnet >= 1 && subnet <= 128)
  ) {
    return [];
  }
  return [
    {
      variable: 'options.ipv6Subnet',
      message: `must be an integer from 1 to 128 (a prefix length) or false, got ${String(subnet)}`,
    },
  ];
}

/**
 * The rate-limit key of a client address, the same in every adapter: an IPv4 address as is; an
 * IPv4-mapped IPv6 address (`::ffff:203.0.113.7`, what a dual-stack server sees for IPv4
 * clients) as the IPv4 address, so one client gets one key whichever way it connects; any other
 * IPv6 address as its network in RFC 5952 text (`2001:db8:1:2::/64`), because a single host can
 * use every address of its subnet. A zone (`%eth0`) is dropped. `undefined` or an empty string
 * gives `'unknown'`; anything else that is not an IP (a value from a proxy header) is returned
 * unchanged.
 *
 * Framework-free: pass the address your framework resolved for the request, which is where
 * proxies are handled (Express `req.ip` under `app.set('trust proxy', ...)`, Fastify
 * `request.ip` under `trustProxy`). Gotcha: behind a proxy without that setting, every client
 * shares the proxy's key.
 *
 * @example
 * const key = `${tenant}:${clientAddressKey(req.ip ?? req.socket.remoteAddress)}`;
 */
export function clientAddressKey(
  address: string | undefined,
  options: ClientAddressKeyOptions = {},
): string {
  if (address === undefined || address === '') return UNKNOWN_CLIENT;
  if (isIPv4(address)) return address;
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  const subnet = options.ipv6Subnet ?? DEFAULT_IPV6_SUBNET;
  if (subnet === false) return formatIpv6(groups);
  const issues = clientAddressKeyIssues(options);
  if (issues.length > 0) throw new ConfigError(issues);
  const masked = groups.map((group, index) => {
    const bits = Math.min(16, Math.max(0, subnet - index * 16));
    return group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${formatIpv6(masked)}/${subnet}`;
}
