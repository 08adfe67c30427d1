import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeContainerFiles } from './container-files';
import { checkHost } from './check-host';
import { tempDir } from './__fixtures__/busybox-bundle';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('berth-files-');
  await fs.writeFile(path.join(dir, 'host-resolv.conf'), 'search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n');
  await fs.writeFile(path.join(dir, 'local-resolv.conf'), 'nameserver 127.0.0.1\n');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('writeContainerFiles', () => {
  it('writes hostname, hosts and a filtered resolv.conf', async () => {
    const c = path.join(dir, 'c1');
    await writeContainerFiles(c, { hostname: 'abc123', network: 'default', hostResolvConf: path.join(dir, 'host-resolv.conf'), extraHosts: ['db:10.1.2.3'] });
    expect(await fs.readFile(path.join(c, 'hostname'), 'utf8')).toBe('abc123\n');
    const hosts = await fs.readFile(path.join(c, 'hosts'), 'utf8');
    expect(hosts).toMatch(/^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
    expect(hosts).toContain('10.1.2.3\tdb\n');
    expect(hosts.endsWith('127.0.0.1\tabc123\n')).toBe(true);
    expect(await fs.readFile(path.join(c, 'resolv.conf'), 'utf8')).toBe('search example.com\nnameserver 10.0.0.2\n');
  });
  it('falls back to public DNS when only loopback nameservers remain; none has no nameservers', async () => {
    const c = path.join(dir, 'c2');
    await writeContainerFiles(c, { hostname: 'h', hostResolvConf: path.join(dir, 'local-resolv.conf') });
    expect(await fs.readFile(path.join(c, 'resolv.conf'), 'utf8')).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    await writeContainerFiles(c, { hostname: 'h', network: 'none', hostResolvConf: path.join(dir, 'host-resolv.conf') });
    expect(await fs.readFile(path.join(c, 'resolv.conf'), 'utf8')).toBe('search example.com\n');
  });
  it('host network copies the host files', async () => {
    const c = path.join(dir, 'c3');
    await writeContainerFiles(c, { hostname: 'h', network: 'host', hostResolvConf: path.join(dir, 'host-resolv.conf') });
    expect(await fs.readFile(path.join(c, 'resolv.conf'), 'utf8')).toBe(await fs.readFile(path.join(dir, 'host-resolv.conf'), 'utf8'));
    expect(await fs.readFile(path.join(c, 'hosts'), 'utf8')).toBe(await fs.readFile('/etc/hosts', 'utf8'));
  });
  it('writes the hosts and resolv.conf it is given in place (the inode a bind mount holds stays)', async () => {
    const c = path.join(dir, 'c5');
    await writeContainerFiles(c, { hostname: 'h' });
    const ino = (await fs.stat(path.join(c, 'hosts'))).ino;
    await writeContainerFiles(c, { hostname: 'h', hosts: '172.18.0.2\th\n', resolvConf: 'nameserver 127.0.0.11\n' });
    expect(await fs.readFile(path.join(c, 'hosts'), 'utf8')).toBe('172.18.0.2\th\n');
    expect(await fs.readFile(path.join(c, 'resolv.conf'), 'utf8')).toBe('nameserver 127.0.0.11\n');
    expect((await fs.stat(path.join(c, 'hosts'))).ino).toBe(ino);
  });
  it('rejects a bad hostname', async () => {
    await expect(writeContainerFiles(path.join(dir, 'c4'), { hostname: 'bad name' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('checkHost', () => {
  it('finds nothing wrong here (root, overlay, cgroups, runc)', async () => {
    expect(await checkHost({ runtime: 'runc' })).toEqual([]);
  });
  it('names the fix for a missing runtime', async () => {
    const p = await checkHost({ runtime: 'crun', runtimeBinary: '/nonexistent/crun' });
    expect(p).toEqual([{ key: 'runtime', message: expect.stringContaining('apt-get install -y crun') }]);
  });
});
