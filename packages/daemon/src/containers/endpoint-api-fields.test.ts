import { describe, expect, it } from '@jest/globals';
import { endpointFieldsForApi, summaryEndpointsForApi, type EndpointFieldsSource } from './endpoint-api-fields';
import type { EndpointSettings } from '@berth/api';

const ID = 'abcdef0123456789'.repeat(4);
const inspect = (): EndpointFieldsSource => ({
  Id: ID,
  Name: '/web',
  Config: { Hostname: 'webhost' },
  HostConfig: { NetworkMode: 'appnet' },
  NetworkSettings: {
    Networks: {
      appnet: { Aliases: ['www', 'web', ID.slice(0, 12)], IPAddress: '172.18.0.2' },
      plain: { Aliases: [ID.slice(0, 12)], IPAddress: '172.19.0.2' },
      bridge: { Aliases: null, IPAddress: '172.17.0.2' },
    },
  },
});
const atLeast = (api: string) => (v: string) => Number(api.split('.')[1]) >= Number(v.split('.')[1]);

describe('endpointFieldsForApi', () => {
  it('1.41: as 20.10 (the short id among the aliases, no DNSNames)', () => {
    const v = endpointFieldsForApi(inspect(), atLeast('1.41'));
    expect(v.NetworkSettings!.Networks!.appnet).toEqual({ Aliases: ['www', 'web', ID.slice(0, 12)], IPAddress: '172.18.0.2' });
    expect(v.NetworkSettings!.Networks!.bridge!['DNSNames']).toBeUndefined();
  });

  it('1.44: DNSNames on user networks (name, aliases, short id, hostname; no repeats), null on the default bridge; Aliases kept', () => {
    const n = endpointFieldsForApi(inspect(), atLeast('1.44')).NetworkSettings!.Networks!;
    expect(n.appnet!['DNSNames']).toEqual(['web', 'www', ID.slice(0, 12), 'webhost']);
    expect(n.plain!['DNSNames']).toEqual(['web', ID.slice(0, 12), 'webhost']);
    expect(n.bridge!['DNSNames']).toBeNull();
    expect(n.appnet!.Aliases).toEqual(['www', 'web', ID.slice(0, 12)]);
  });

  it('1.45: Aliases are what the client gave (no short id; null when none)', () => {
    const n = endpointFieldsForApi(inspect(), atLeast('1.45')).NetworkSettings!.Networks!;
    expect(n.appnet!.Aliases).toEqual(['www', 'web']);
    expect(n.plain!.Aliases).toBeNull();
    expect(n.bridge!.Aliases).toBeNull();
    expect(n.appnet!['DNSNames']).toEqual(['web', 'www', ID.slice(0, 12), 'webhost']);
  });

  it('container:X: no DNSNames of its own', () => {
    const v = inspect();
    v.HostConfig = { NetworkMode: 'container:other' };
    expect(endpointFieldsForApi(v, atLeast('1.44')).NetworkSettings!.Networks!.appnet!['DNSNames']).toBeNull();
  });
});

describe('summaryEndpointsForApi', () => {
  const rows = () => [{ Id: ID, NetworkSettings: inspect().NetworkSettings! }];
  it('ps rows: Links, Aliases and DriverOpts null; DNSNames null from 1.44, absent below; the endpoints given are not changed', () => {
    const given = rows();
    const shared = given[0]!.NetworkSettings.Networks!.appnet!;
    shared.IPAMConfig = { IPv4Address: '172.18.0.9', LinkLocalIPs: ['169.254.0.9'] };
    const [r44] = summaryEndpointsForApi(given, atLeast('1.44'));
    expect(r44!.NetworkSettings.Networks!.appnet).toEqual({
      Aliases: null,
      Links: null,
      DriverOpts: null,
      DNSNames: null,
      IPAMConfig: { IPv4Address: '172.18.0.9' },
      IPAddress: '172.18.0.2',
    });
    expect(shared.Aliases).toEqual(['www', 'web', ID.slice(0, 12)]);
    const [r41] = summaryEndpointsForApi(rows(), atLeast('1.41'));
    expect(r41!.NetworkSettings.Networks!.bridge).toEqual({ Aliases: null, Links: null, DriverOpts: null, IPAddress: '172.17.0.2' });
  });

  it('a network named "__proto__" is listed (an own key of the copy, not its prototype)', () => {
    const nets = JSON.parse('{"__proto__":{"IPAddress":"10.1.0.2"}}') as Record<string, EndpointSettings>;
    const [r] = summaryEndpointsForApi([{ NetworkSettings: { Networks: nets } }], atLeast('1.41'));
    expect(JSON.parse(JSON.stringify(r!.NetworkSettings.Networks))).toEqual(JSON.parse('{"__proto__":{"IPAddress":"10.1.0.2","Aliases":null,"Links":null,"DriverOpts":null}}'));
    expect(Object.keys(r!.NetworkSettings.Networks!)).toEqual(['__proto__']);
  });
});
