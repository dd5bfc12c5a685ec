import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { ipKey } from './ip-key.js';

describe('ipKey', () => {
  it('keeps IPv4 addresses', () => {
    expect(ipKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('keys IPv4-mapped IPv6 addresses as the IPv4 address', () => {
    expect(ipKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('0:0:0:0:0:ffff:cb00:7107')).toBe('203.0.113.7');
    expect(ipKey('::ffff:127.0.0.1')).toBe(ipKey('127.0.0.1'));
  });

  it('groups IPv6 addresses by /64 by default', () => {
    const a = ipKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    const b = ipKey('2001:0db8:0001:0002::1');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(b).toBe(a);
    expect(ipKey('2001:db8:1:3::1')).not.toBe(a);
  });

  it('honours another prefix length, or none', () => {
    expect(ipKey('2001:db8:1:2ff::1', { ipv6Subnet: 56 })).toBe('2001:db8:1:200::/56');
    expect(ipKey('2001:db8:abcd:12::1', { ipv6Subnet: 48 })).toBe('2001:db8:abcd::/48');
    expect(ipKey('2001:db8::1', { ipv6Subnet: 128 })).toBe('2001:db8::1/128');
    expect(ipKey('2001:db8:0:0:1:0:0:1', { ipv6Subnet: false })).toBe('2001:db8::1:0:0:1');
    expect(ipKey('2001:db8:1:2::5', { ipv6Subnet: 63 })).toBe('2001:db8:1:2::/63');
    expect(ipKey('2001:db8:1:3::5', { ipv6Subnet: 63 })).toBe('2001:db8:1:2::/63');
  });

  it('handles loopback, zones and embedded IPv4 tails', () => {
    expect(ipKey('::1')).toBe('::/64');
    expect(ipKey('::1', { ipv6Subnet: false })).toBe('::1');
    expect(ipKey('fe80::1%eth0')).toBe('fe80::/64');
    expect(ipKey('64:ff9b::192.0.2.33', { ipv6Subnet: false })).toBe('64:ff9b::c000:221');
  });

  it('returns anything that is not an IP unchanged', () => {
    expect(ipKey('')).toBe('');
    expect(ipKey('unknown')).toBe('unknown');
    expect(ipKey('1.2.3')).toBe('1.2.3');
  });

  it('rejects an impossible prefix length', () => {
    expect(() => ipKey('2001:db8::1', { ipv6Subnet: 0 })).toThrow(ConfigError);
    expect(() => ipKey('2001:db8::1', { ipv6Subnet: 129 })).toThrow(/ipv6Subnet/);
  });
});
