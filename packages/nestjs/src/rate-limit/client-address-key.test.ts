import { describe, expect, it } from 'vitest';
import { clientAddressKey } from './client-address-key.js';

describe('clientAddressKey', () => {
  it('keeps IPv4 addresses, including IPv4-mapped IPv6', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('keys IPv6 addresses by their /64 subnet', () => {
    expect(clientAddressKey('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3:8d3::/64');
    expect(clientAddressKey('2001:db8:85a3:8d3::1')).toBe('2001:db8:85a3:8d3::/64');
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('2001:0DB8:0000:0001:ffff::')).toBe('2001:db8:0:1::/64');
  });

  it('passes anything else through', () => {
    expect(clientAddressKey('unknown')).toBe('unknown');
  });
});
