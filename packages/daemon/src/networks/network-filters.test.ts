import { describe, expect, it } from '@jest/globals';
import type { NetworkInfo } from '@berth/network';
import { networkListFilter, networkPruneFilter } from './network-filters';
import { networkCreateOptions, networkResource } from './network-resource';

const net = (name: string, more: Partial<NetworkInfo> = {}): NetworkInfo => ({
  id: `${name.padEnd(12, '0')}${'f'.repeat(52)}`,
  name,
  driver: 'bridge',
  scope: 'local',
  created: '2026-12-06T10:00:00.000000000Z',
  predefined: false,
  internal: false,
  attachable: false,
  enableIPv6: false,
  ipamDriver: 'default',
  ipamOptions: {},
  ipamConfigs: [{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }],
  options: {},
  labels: {},
  endpoints: [],
  ...more,
});

const nets = [
  net('bridge', { predefined: true }),
  net('front', { labels: { tier: 'web' } }),
  net('back', { internal: true, endpoints: [{ containerId: 'c'.repeat(64), containerName: 'db', endpointId: 'e'.repeat(64), mac: '02:42:ac:12:00:02', ipv4: '172.18.0.2/16', ipv6: '' }] }),
];
const names = (f: Map<string, string[]>) => nets.filter(networkListFilter(f)).map((n) => n.name);

describe('networkListFilter (GET /networks)', () => {
  it('type, label, name (a regular expression), dangling', () => {
    expect(names(new Map([['type', ['custom']]]))).toEqual(['front', 'back']);
    expect(names(new Map([['type', ['builtin']]]))).toEqual(['bridge']);
    expect(names(new Map([['label', ['tier=web']]]))).toEqual(['front']);
    expect(names(new Map([['label', ['tier']]]))).toEqual(['front']);
    expect(names(new Map([['name', ['ack']]]))).toEqual(['back']);
    expect(names(new Map([['dangling', ['true']]]))).toEqual(['front']);
    expect(names(new Map([['dangling', ['false']]]))).toEqual(['bridge', 'back']);
  });
  it('refuses unknown keys and values as Docker does', () => {
    expect(() => networkListFilter(new Map([['bogus', ['1']]]))).toThrow("invalid filter 'bogus'");
    expect(() => networkListFilter(new Map([['type', ['x']]]))).toThrow("invalid filter: 'type'='x'");
    expect(() => networkListFilter(new Map([['dangling', ['maybe']]]))).toThrow("invalid filter 'dangling=maybe'");
  });
});

describe('networkPruneFilter (POST /networks/prune)', () => {
  it('until, label, label!', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(nets.filter(networkPruneFilter(new Map([['until', ['1h']]]), now)).map((n) => n.name)).toEqual(['bridge', 'front', 'back']);
    expect(nets.filter(networkPruneFilter(new Map([['until', ['3h']]]), now))).toEqual([]);
    expect(nets.filter(networkPruneFilter(new Map([['label!', ['tier']]]), now)).map((n) => n.name)).toEqual(['bridge', 'back']);
    expect(() => networkPruneFilter(new Map([['name', ['x']]]))).toThrow("invalid filter 'name'");
  });
});

describe('networkResource and networkCreateOptions', () => {
  it('renders Docker\'s NetworkResource (field order and the endpoints as Containers)', () => {
    const r = networkResource(nets[2]!);
    expect(Object.keys(r)).toEqual(['Name', 'Id', 'Created', 'Scope', 'Driver', 'EnableIPv6', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels']);
    expect(r.IPAM).toEqual({ Driver: 'default', Options: {}, Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] });
    expect(r.Containers).toEqual({ ['c'.repeat(64)]: { Name: 'db', EndpointID: 'e'.repeat(64), MacAddress: '02:42:ac:12:00:02', IPv4Address: '172.18.0.2/16', IPv6Address: '' } });
  });
  it('reads the create body', () => {
    expect(networkCreateOptions({ Name: 'n', Driver: 'bridge', Internal: true, IPAM: { Config: [{ Subnet: '10.1.0.0/24', IPRange: '10.1.0.128/25' }] }, Labels: { a: 'b' } })).toEqual({
      name: 'n',
      driver: 'bridge',
      internal: true,
      attachable: false,
      enableIPv6: false,
      ipamOptions: null,
      ipamConfigs: [{ subnet: '10.1.0.0/24', ipRange: '10.1.0.128/25' }],
      options: {},
      labels: { a: 'b' },
    });
  });
});
