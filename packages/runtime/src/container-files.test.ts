import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeContainerFiles } from './container-files';
import { checkHost } from './check-host';
import { tempDir } from './__fixtures__/busybox-bundle';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('berth-files-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('writeContainerFiles (the content is @berth/network\'s: container-files.test there)', () => {
  it('writes the hosts and resolv.conf it is given in place (the inode a bind mount holds stays)', async () => {
    const c = path.join(dir, 'c5');
    await writeContainerFiles(c, { hostname: 'h', hosts: '127.0.0.1\th\n', resolvConf: '' });
    expect(await fs.readFile(path.join(c, 'hostname'), 'utf8')).toBe('h\n');
    const ino = (await fs.stat(path.join(c, 'hosts'))).ino;
    await writeContainerFiles(c, { hostname: 'h', hosts: '172.18.0.2\th\n', resolvConf: 'nameserver 127.0.0.11\n' });
    expect(await fs.readFile(path.join(c, 'hosts'), 'utf8')).toBe('172.18.0.2\th\n');
    expect(await fs.readFile(path.join(c, 'resolv.conf'), 'utf8')).toBe('nameserver 127.0.0.11\n');
    expect((await fs.stat(path.join(c, 'hosts'))).ino).toBe(ino);
  });
  it('rejects a bad hostname', async () => {
    await expect(writeContainerFiles(path.join(dir, 'c4'), { hostname: 'bad name', hosts: '', resolvConf: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
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
