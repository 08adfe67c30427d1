import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { configDir, defaultContextHost, resolveClientOptions } from './config';

describe('resolveClientOptions', () => {
  it('-H beats BERTH_HOST; DOCKER_HOST is never read', () => {
    expect(resolveClientOptions({}, { DOCKER_HOST: 'tcp://docker:2375' }).host).toBeUndefined();
    expect(resolveClientOptions({}, { BERTH_HOST: 'unix:///tmp/b.sock' }).host).toBe('unix:///tmp/b.sock');
    expect(resolveClientOptions({ host: 'tcp://h:1' }, { BERTH_HOST: 'unix:///tmp/b.sock' }).host).toBe('tcp://h:1');
    expect(() => resolveClientOptions({ host: ['a', 'b'] }, {})).toThrow(InvalidArgumentError);
    // the `default` context's endpoint (context ls/inspect/export) is worked out by the same rule
    expect(defaultContextHost({}, { DOCKER_HOST: 'tcp://docker:2375' })).toBe('unix:///run/berth.sock');
    expect(defaultContextHost({}, { BERTH_HOST: 'unix:///tmp/b.sock' })).toBe('unix:///tmp/b.sock');
    expect(defaultContextHost({ host: 'tcp://h:1' }, { BERTH_HOST: 'unix:///tmp/b.sock' })).toBe('tcp://h:1');
    expect(() => defaultContextHost({ host: ['a', 'b'] }, {})).toThrow('Specify only one -H');
  });
  it('--tlsverify reads ca/cert/key from BERTH_CERT_PATH, else the config dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-certs-'));
    try {
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), `${f}-data`);
      const o = resolveClientOptions({ tlsverify: true, host: 'tcp://h:2376' }, { BERTH_CERT_PATH: dir });
      expect(o.tls?.verify).toBe(true);
      expect(String(o.tls?.ca)).toBe('ca.pem-data');
      expect(String(o.tls?.key)).toBe('key.pem-data');
      const o2 = resolveClientOptions({ tlsverify: true, config: dir }, {});
      expect(String(o2.tls?.cert)).toBe('cert.pem-data');
      expect(() => resolveClientOptions({ tlsverify: true }, { BERTH_CERT_PATH: path.join(dir, 'none') })).toThrow(InvalidArgumentError);
      expect(resolveClientOptions({}, {}).tls).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('config dir defaults to ~/.berth', () => {
    expect(configDir({}, { HOME: '/home/u' })).toBe('/home/u/.berth');
    expect(configDir({ config: '/c' }, { HOME: '/home/u' })).toBe('/c');
  });
});
