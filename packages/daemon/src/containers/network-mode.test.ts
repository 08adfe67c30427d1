import { describe, expect, it } from '@jest/globals';
import { endpointsOf, joinedContainer, networkModeOf, normalizeNetworking } from './network-mode';
import { parseStoredLink, portsOf } from './container-networking';

describe('networkModeOf', () => {
  it('decides Docker\'s modes', () => {
    expect(networkModeOf('')).toEqual({ kind: 'bridge', network: 'bridge' });
    expect(networkModeOf('default')).toEqual({ kind: 'bridge', network: 'bridge' });
    expect(networkModeOf('bridge')).toEqual({ kind: 'bridge', network: 'bridge' });
    expect(networkModeOf('none')).toEqual({ kind: 'none' });
    expect(networkModeOf('host')).toEqual({ kind: 'host' });
    expect(networkModeOf('container:web')).toEqual({ kind: 'container', ref: 'web' });
    expect(networkModeOf('proj_default')).toEqual({ kind: 'bridge', network: 'proj_default' });
    expect(joinedContainer('container:abc')).toBe('abc');
    expect(joinedContainer('shareable')).toBeUndefined();
  });
});

describe('endpointsOf', () => {
  it('a normalized row: its EndpointsConfig (connect/disconnect edit it); an old row: its mode\'s network', () => {
    const h = { NetworkMode: 'appnet' };
    expect(endpointsOf({ hostConfig: h, networkingConfig: { EndpointsConfig: { appnet: { Aliases: ['a'] }, other: {} }, Normalized: true } })).toEqual({
      appnet: { Aliases: ['a'] },
      other: {},
    });
    // disconnected from everything: nothing to join
    expect(endpointsOf({ hostConfig: h, networkingConfig: { EndpointsConfig: {}, Normalized: true } })).toEqual({});
    expect(endpointsOf({ hostConfig: { NetworkMode: 'default' }, networkingConfig: null })).toEqual({ bridge: {} });
    expect(endpointsOf({ hostConfig: { NetworkMode: 'host' }, networkingConfig: null })).toEqual({});
  });

  it('normalizeNetworking keeps a second network the client named, and nothing for host/none/container', () => {
    expect(normalizeNetworking('default', { EndpointsConfig: { other: { Aliases: ['x'] } } }).EndpointsConfig).toEqual({ bridge: {}, other: { Aliases: ['x'] } });
    expect(normalizeNetworking('container:x', { EndpointsConfig: {} }).EndpointsConfig).toEqual({});
  });

  it('normalizeNetworking: a network named "__proto__" is a network (an own key), not the prototype of the result', () => {
    const all = normalizeNetworking('a', JSON.parse('{"EndpointsConfig":{"a":{},"__proto__":{"Aliases":["p"]}}}'), { multipleNetworks: true }).EndpointsConfig;
    expect(Object.entries(all)).toEqual([['a', {}], ['__proto__', { Aliases: ['p'] }]]);
    expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
    const one = normalizeNetworking('__proto__', JSON.parse('{"EndpointsConfig":{"__proto__":{"Aliases":["q"]}}}')).EndpointsConfig;
    expect(Object.entries(one)).toEqual([['__proto__', { Aliases: ['q'] }]]);
  });

  it('normalizeNetworking: several networks are refused before API 1.44 and all kept from 1.44, the mode\'s first', () => {
    const eps = { EndpointsConfig: { b: { Aliases: ['bb'] }, a: {}, c: { IPAMConfig: { IPv4Address: '10.9.0.5' } } } };
    expect(() => normalizeNetworking('a', eps)).toThrow('Container cannot be connected to network endpoints: b, a, c');
    const all = normalizeNetworking('a', eps, { multipleNetworks: true }).EndpointsConfig;
    expect(all).toEqual({ a: {}, b: { Aliases: ['bb'] }, c: { IPAMConfig: { IPv4Address: '10.9.0.5' } } });
    expect(Object.keys(all)[0]).toBe('a');
    expect(Object.keys(normalizeNetworking('default', { EndpointsConfig: { x: {}, bridge: { Aliases: ['q'] } } }, { multipleNetworks: true }).EndpointsConfig)).toEqual(['bridge', 'x']);
  });
});

describe('views', () => {
  it('portsOf: one row per binding, exposed-only ports without a public port (moby list.go)', () => {
    expect(
      portsOf({
        '80/tcp': [
          { HostIp: '0.0.0.0', HostPort: '8080' },
          { HostIp: '::', HostPort: '8080' },
        ],
        '53/udp': null,
      }),
    ).toEqual([
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
    ]);
  });

  it('parseStoredLink reads docker\'s /child:/parent/alias', () => {
    expect(parseStoredLink('/web:/client/w')).toEqual({ child: 'web', alias: 'w' });
    expect(parseStoredLink('/web')).toEqual({ child: 'web', alias: 'web' });
  });
});
