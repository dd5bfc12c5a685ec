import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { clientAddressKey, clientAddressKeyIssues } from './client-address-key.js';

describe('clientAddressKey', () => {
  it('keeps IPv4 addresses', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('keys IPv4-mapped IPv6 addresses as the IPv4 address, in any spelling', () => {
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('0:0:0:0:0:ffff:cb00:7107')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:127.0.0.1')).toBe(clientAddressKey('127.0.0.1'));
  });

  it('groups IPv6 addresses by /64 by default, in RFC 5952 text', () => {
    const key = clientAddressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:0DB8:0001:0002::1')).toBe(key);
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8::/64');
    expect(clientAddressKey('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3:8d3::/64');
  });

  it('honours another prefix length, or none', () => {
    expect(clientAddressKey('2001:db8:1:2ff::1', { ipv6Subnet: 56 })).toBe('2001:db8:1:200::/56');
    expect(clientAddressKey('2001:db8:abcd:12::1', { ipv6Subnet: 48 })).toBe('2001:db8:abcd::/48');
    expect(clientAddressKey('2001:db8::1', { ipv6Subnet: 128 })).toBe('2001:db8::1/128');
    expect(clientAddressKey('2001:db8:0:0:1:0:0:1', { ipv6Subnet: false })).toBe(
      '2001:db8::1:0:0:1',
    );
    expect(clientAddressKey('2001:db8:1:2::5', { ipv6Subnet: 63 })).toBe('2001:db8:1:2::/63');
    expect(clientAddressKey('2001:db8:1:3::5', { ipv6Subnet: 63 })).toBe('2001:db8:1:2::/63');
  });

  it('handles loopback, zones and embedded IPv4 tails', () => {
    expect(clientAddressKey('::1')).toBe('::/64');
    expect(clientAddressKey('::1', { ipv6Subnet: false })).toBe('::1');
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80::/64');
    expect(clientAddressKey('64:ff9b::192.0.2.33', { ipv6Subnet: false })).toBe(
      '64:ff9b::c000:221',
    );
    expect(clientAddressKey('1:2:3:4:5:6:192.0.2.33', { ipv6Subnet: false })).toBe(
      '1:2:3:4:5:6:c000:221',
    );
    expect(clientAddressKey('::192.0.2.33', { ipv6Subnet: false })).toBe('::c000:221');
  });

  it("keys a request without an address as 'unknown' and passes other non-IPs through", () => {
    expect(clientAddressKey(undefined)).toBe('unknown');
    expect(clientAddressKey('')).toBe('unknown');
    expect(clientAddressKey('unknown')).toBe('unknown');
    expect(clientAddressKey('1.2.3')).toBe('1.2.3');
  });

  it('rejects an impossible prefix length', () => {
    expect(() => clientAddressKey('2001:db8::1', { ipv6Subnet: 0 })).toThrow(ConfigError);
    expect(() => clientAddressKey('2001:db8::1', { ipv6Subnet: 129 })).toThrow(/ipv6Subnet/);
    expect(clientAddressKeyIssues({ ipv6Subnet: 48.5 })).toEqual([
      expect.objectContaining({ variable: 'options.ipv6Subnet' }),
    ]);
    expect(clientAddressKeyIssues({ ipv6Subnet: false })).toEqual([]);
    expect(clientAddressKeyIssues({})).toEqual([]);
  });
});
