import { describe, expect, it } from '@jest/globals';
import { parseStreamAddress } from './streaming-server';

describe('parseStreamAddress (--cri-stream-address)', () => {
  it('takes HOST:PORT, [IPv6]:PORT, an empty host as loopback', () => {
    expect(parseStreamAddress('127.0.0.1:10010')).toEqual({ host: '127.0.0.1', port: 10010 });
    expect(parseStreamAddress('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseStreamAddress('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseStreamAddress(':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
  });

  it('refuses what is not HOST:PORT, with the flag named', () => {
    for (const bad of ['', '127.0.0.1', '127.0.0.1:x', '127.0.0.1:70000', '::1:80', '[::1:80', 'example.com:80', '[1.2.3.4]:80']) {
      expect(() => parseStreamAddress(bad)).toThrow(/--cri-stream-address/);
    }
  });
});
