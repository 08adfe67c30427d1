import { describe, expect, it } from '@jest/globals';
import { allocateIPv6, formatCidr6, formatIPv6, parseCidr6, parseIPv6 } from './ipv6';

describe('IPv6 helpers', () => {
  it('parses and formats (RFC 5952)', () => {
    expect(formatIPv6(parseIPv6('fd00:0:0:0:0:0:0:1'))).toBe('fd00::1');
    expect(formatIPv6(parseIPv6('2001:DB8::8:800:200C:417A'))).toBe('2001:db8::8:800:200c:417a');
    expect(formatIPv6(parseIPv6('::'))).toBe('::');
    expect(formatIPv6(parseIPv6('1:0:0:2:0:0:0:3'))).toBe('1:0:0:2::3');
    expect(formatCidr6(parseCidr6('fd00:1::5/64'))).toBe('fd00:1::/64');
    expect(() => parseIPv6('fd00::1::2')).toThrow('invalid IPv6');
    expect(() => parseIPv6('1:2:3')).toThrow('invalid IPv6');
  });
  it('allocates the lowest free address, never the gateway', () => {
    const s = parseCidr6('fd00:1::/64');
    const gw = parseIPv6('fd00:1::1');
    expect(formatIPv6(allocateIPv6(s, gw, new Set()))).toBe('fd00:1::2');
    expect(formatIPv6(allocateIPv6(s, gw, new Set([parseIPv6('fd00:1::2')])))).toBe('fd00:1::3');
    expect(formatIPv6(allocateIPv6(s, gw, new Set(), 'fd00:1::99'))).toBe('fd00:1::99');
    expect(() => allocateIPv6(s, gw, new Set(), 'fd00:1::1')).toThrow('Address already in use');
  });
});
