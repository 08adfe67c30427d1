import { describe, expect, it } from '@jest/globals';
import { ipamConfig } from './network';

describe('ipamConfig (docker\'s consolidateIpam)', () => {
  it('gives each --gateway, --ip-range and --aux-address to the --subnet holding it', () => {
    expect(
      ipamConfig({ subnet: ['10.1.0.0/16', '10.2.0.0/24'], gateway: ['10.2.0.1', '10.1.0.254'], ipRange: ['10.1.8.0/24'], auxAddress: ['r=10.2.0.9'] }),
    ).toEqual([
      { Subnet: '10.1.0.0/16', IPRange: '10.1.8.0/24', Gateway: '10.1.0.254' },
      { Subnet: '10.2.0.0/24', Gateway: '10.2.0.1', AuxiliaryAddresses: { r: '10.2.0.9' } },
    ]);
    expect(ipamConfig({})).toEqual([]);
    // an aux address named `__proto__` is one (an own key), not the map's prototype
    expect(JSON.stringify(ipamConfig({ subnet: ['10.2.0.0/24'], auxAddress: ['__proto__=10.2.0.9', 'a=10.2.0.8'] }))).toBe(
      '[{"Subnet":"10.2.0.0/24","AuxiliaryAddresses":{"__proto__":"10.2.0.9","a":"10.2.0.8"}}]',
    );
  });
  it('refuses what docker refuses', () => {
    expect(() => ipamConfig({ gateway: ['10.0.0.1'] })).toThrow('every ip-range or gateway must have a corresponding subnet');
    expect(() => ipamConfig({ subnet: ['10.1.0.0/16'], gateway: ['10.9.0.1'] })).toThrow('no matching subnet for gateway 10.9.0.1');
    expect(() => ipamConfig({ subnet: ['10.1.0.0/16', '10.2.0.0/16'], gateway: ['10.1.0.1', '10.1.0.2'] })).toThrow('cannot configure multiple gateways');
  });
});
