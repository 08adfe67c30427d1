import { describe, expect, it } from '@jest/globals';
import { pickSubnet, poolSubnets, DOCKER_DEFAULT_POOLS } from './address-pools';
import { parseProcRoute } from './host-routes';
import { allocateIPv4 } from './ipam';
import { formatCidr4, formatIPv4, macForIPv4, parseAddrPrefix4, parseCidr4, parseIPv4 } from './ipv4';

describe('IPv4 helpers', () => {
  it('parses and formats addresses and prefixes, clearing host bits', () => {
    expect(formatIPv4(parseIPv4('172.17.0.1'))).toBe('172.17.0.1');
    expect(formatCidr4(parseCidr4('172.17.3.4/16'))).toBe('172.17.0.0/16');
    expect(parseAddrPrefix4('10.1.2.3/24')).toEqual({ addr: parseIPv4('10.1.2.3'), prefix: 24 });
    expect(() => parseIPv4('300.1.1.1')).toThrow('invalid IPv4 address');
    expect(() => parseCidr4('10.0.0.0/33')).toThrow('invalid CIDR');
    expect(() => parseCidr4('10.0.0.0')).toThrow('invalid CIDR');
  });
  it("gives Docker's MAC for an address", () => {
    expect(macForIPv4(parseIPv4('172.17.0.3'))).toBe('02:42:ac:11:00:03');
  });
});

describe('address pools', () => {
  it("offers Docker's default subnets in order: 172.17-31 /16, then 192.168 /20", () => {
    const all = [...poolSubnets(DOCKER_DEFAULT_POOLS)].map(formatCidr4);
    expect(all.slice(0, 3)).toEqual(['172.17.0.0/16', '172.18.0.0/16', '172.19.0.0/16']);
    expect(all[14]).toBe('172.31.0.0/16');
    expect(all[15]).toBe('192.168.0.0/20');
    expect(all).toHaveLength(15 + 16);
  });
  it('skips subnets that overlap ones in use (networks, host routes)', () => {
    const taken = [parseCidr4('172.17.0.0/16'), parseCidr4('172.18.5.0/24')];
    expect(formatCidr4(pickSubnet(DOCKER_DEFAULT_POOLS, taken)!)).toBe('172.19.0.0/16');
    expect(pickSubnet([{ base: '10.0.0.0/24', size: 24 }], [parseCidr4('10.0.0.0/8')])).toBeUndefined();
  });
  it('reads /proc/net/route: little-endian hex, default routes left out', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'berth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    ].join('\n');
    expect(parseProcRoute(text).map((r) => `${r.iface} ${formatCidr4(r.cidr)}`)).toEqual(['eth0 10.0.0.0/24', 'berth0 172.17.0.0/16']);
  });
});

describe('allocateIPv4', () => {
  const pool = { subnet: parseCidr4('172.18.0.0/16'), gateway: parseIPv4('172.18.0.1') };
  it('hands out the lowest free address, never the network, gateway or broadcast address', () => {
    expect(formatIPv4(allocateIPv4(pool, new Set()))).toBe('172.18.0.2');
    expect(formatIPv4(allocateIPv4(pool, new Set([parseIPv4('172.18.0.2')])))).toBe('172.18.0.3');
    const tiny = { subnet: parseCidr4('10.9.0.0/30'), gateway: parseIPv4('10.9.0.1') };
    expect(formatIPv4(allocateIPv4(tiny, new Set()))).toBe('10.9.0.2');
    expect(() => allocateIPv4(tiny, new Set([parseIPv4('10.9.0.2')]))).toThrow('no available IPv4 addresses');
  });
  it('reuses a freed address, as Docker does', () => {
    const used = new Set([parseIPv4('172.18.0.3')]);
    expect(formatIPv4(allocateIPv4(pool, used))).toBe('172.18.0.2');
  });
  it('takes dynamic addresses from the ip-range only', () => {
    const p = { ...pool, range: parseCidr4('172.18.5.0/24') };
    expect(formatIPv4(allocateIPv4(p, new Set()))).toBe('172.18.5.0');
  });
  it('honours a requested address and refuses a taken or outside one', () => {
    expect(formatIPv4(allocateIPv4(pool, new Set(), '172.18.9.9'))).toBe('172.18.9.9');
    expect(() => allocateIPv4(pool, new Set([parseIPv4('172.18.9.9')]), '172.18.9.9')).toThrow('Address already in use');
    expect(() => allocateIPv4(pool, new Set(), '172.18.0.1')).toThrow('Address already in use');
    expect(() => allocateIPv4(pool, new Set(), '10.0.0.1')).toThrow('outside');
  });
});
