import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostsFile, localContainerFiles, podResolvConf, resolvConf } from './container-files';
import { portKeys, wantedPorts } from './port-bindings';

describe('hostsFile', () => {
  it('has the localhost lines, --add-host entries, links, then the own name last', () => {
    const h = hostsFile({
      hostname: 'abc',
      domainname: 'example.org',
      address: '172.17.0.3',
      extraHosts: ['db:10.0.0.5', 'v6:fd00::1'],
      links: [{ ip: '172.17.0.2', alias: 'w', containerId: 'f'.repeat(64), name: 'web' }],
    });
    expect(h.split('\n')).toEqual([
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'ff00::0\tip6-mcastprefix',
      'ff02::1\tip6-allnodes',
      'ff02::2\tip6-allrouters',
      '10.0.0.5\tdb',
      'fd00::1\tv6',
      `172.17.0.2\tw ${'f'.repeat(12)} web`,
      '172.17.0.3\tabc.example.org abc',
      '',
    ]);
  });
});

describe('resolvConf', () => {
  const host = '# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp.example\noptions edns0\n';
  it("default bridge: the host's file without loopback nameservers", () => {
    expect(resolvConf({ host })).toBe('# generated\nsearch corp.example\nnameserver 10.0.0.2\noptions edns0\n');
  });
  it("falls back to Google's servers when only loopback ones are left", () => {
    expect(resolvConf({ host: 'nameserver 127.0.0.53\n' })).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });
  it('--dns, --dns-search and --dns-option replace the host values', () => {
    expect(resolvConf({ host, dns: ['1.1.1.1'], dnsSearch: ['a.b'], dnsOptions: ['ndots:2'] })).toBe('# generated\nsearch a.b\nnameserver 1.1.1.1\noptions ndots:2\n');
  });
  it('user networks: the embedded server only, with ndots:0', () => {
    expect(resolvConf({ host, embedded: '172.18.0.1', dns: ['1.1.1.1'] })).toBe('# generated\nsearch corp.example\nnameserver 172.18.0.1\noptions edns0 ndots:0\n');
  });
});

describe('wantedPorts', () => {
  it('reads PortBindings: host ip, fixed, free and ranged ports, udp', () => {
    const w = wantedPorts(
      {
        '80/tcp': [{ HostIp: '', HostPort: '8080' }],
        '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
        '9000-9001/tcp': [{ HostPort: '19000-19001' }],
      },
      false,
      [],
    );
    expect(w.map((x) => [x.key, x.hostIp, x.hostPorts])).toEqual([
      ['80/tcp', '', [8080, 8080]],
      ['53/udp', '127.0.0.1', [0, 0]],
      ['9000/tcp', '', [19000, 19000]],
      ['9001/tcp', '', [19001, 19001]],
    ]);
  });
  it('-P publishes every exposed port not bound already on a free port', () => {
    const w = wantedPorts({ '80/tcp': [{ HostPort: '8080' }] }, true, ['80/tcp', '443/tcp', '53/udp']);
    expect(w.map((x) => `${x.key} ${x.hostPorts[0]}`)).toEqual(['80/tcp 8080', '443/tcp 0', '53/udp 0']);
  });
  it('refuses bad protocols and ports', () => {
    expect(() => wantedPorts({ '80/xyz': [] }, false, [])).toThrow('invalid protocol');
    expect(() => wantedPorts({ '80/tcp': [{ HostPort: '99999' }] }, false, [])).toThrow('invalid port range');
  });
  it('lists the keys of exposed and published ports', () => {
    expect(portKeys({ '80/tcp': null }, ['80/tcp', '53/udp'])).toEqual(['80/tcp', '53/udp']);
  });
});

describe('localContainerFiles (host, none, berthd --bridge none) and podResolvConf (CRI)', () => {
  let dir: string;
  const paths = (resolv: string) => ({ hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, resolv) });
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-files-'));
    await fs.writeFile(path.join(dir, 'host-resolv.conf'), 'search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n');
    await fs.writeFile(path.join(dir, 'local-resolv.conf'), 'nameserver 127.0.0.1\n');
    await fs.writeFile(path.join(dir, 'hosts'), '127.0.0.1\tlocalhost\n10.9.9.9\tthe-host\n');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('default: localhost lines, --add-host, the hostname on 127.0.0.1; the host resolv.conf without loopback nameservers', async () => {
    const f = await localContainerFiles('default', { hostname: 'abc123', extraHosts: ['db:10.1.2.3'] }, paths('host-resolv.conf'));
    expect(f.hosts).toMatch(/^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
    expect(f.hosts).toContain('10.1.2.3\tdb\n');
    expect(f.hosts.endsWith('127.0.0.1\tabc123\n')).toBe(true);
    expect(f.resolvConf).toBe('search example.com\nnameserver 10.0.0.2\n');
    expect((await localContainerFiles('default', { hostname: 'h', domainname: 'example.org' }, paths('host-resolv.conf'))).hosts.endsWith('127.0.0.1\th.example.org h\n')).toBe(true);
  });
  it('falls back to public DNS when only loopback nameservers remain; none has no nameservers', async () => {
    expect((await localContainerFiles('default', { hostname: 'h' }, paths('local-resolv.conf'))).resolvConf).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    const none = await localContainerFiles('none', { hostname: 'h' }, paths('host-resolv.conf'));
    expect(none.resolvConf).toBe('search example.com\n');
    expect(none.hosts.endsWith('127.0.0.1\th\n')).toBe(true);
  });
  it('host network: the host files as they are', async () => {
    const f = await localContainerFiles('host', { hostname: 'h', extraHosts: ['db:10.1.2.3'] }, paths('host-resolv.conf'));
    expect(f.resolvConf).toBe('search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n');
    expect(f.hosts).toBe('127.0.0.1\tlocalhost\n10.9.9.9\tthe-host\n');
  });
  it('a CRI pod: the DNSConfig as given (loopback servers and "." kept, no default added), else the host file as it is', async () => {
    const p = paths('host-resolv.conf');
    expect(await podResolvConf({ servers: ['10.96.0.10', '127.0.0.53'], searches: ['default.svc.cluster.local', '.'], options: ['ndots:5'] }, p)).toBe(
      'search default.svc.cluster.local .\nnameserver 10.96.0.10\nnameserver 127.0.0.53\noptions ndots:5\n',
    );
    expect(await podResolvConf({ searches: ['svc.local'] }, p)).toBe('search svc.local\n');
    expect(await podResolvConf({ options: ['ndots:2'] }, p)).toBe('options ndots:2\n');
    for (const dns of [undefined, {}, { servers: [], searches: [], options: [] }]) {
      expect(await podResolvConf(dns, p)).toBe('search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n');
    }
    expect(await podResolvConf(undefined, paths('missing-resolv.conf'))).toBe('');
  });
});
