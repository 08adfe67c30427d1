/**
 * resolveUser reads the container's /etc/passwd and /etc/group as the container sees them: a
 * rootfs whose /etc is a link climbing out of it or an absolute link naming a host directory
 * resolves inside the rootfs (RootView), never to the host's file.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveUser } from './user';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-user-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A host directory with its own passwd/group: what must never be read. */
const host = path.join(tmp, 'host', 'x');
mkdirSync(host, { recursive: true });
writeFileSync(path.join(host, 'passwd'), 'root:x:0:0:root:/host-root:/bin/sh\nalice:x:4242:4343::/host-alice:/bin/sh\n');
writeFileSync(path.join(host, 'group'), 'hostgrp:x:4444:alice\n');

/** A rootfs whose /etc is the link `target`, with the container's own files where it leads inside the root. */
function rootfsWithEtcLink(name: string, target: string, inside: string): string {
  const rootfs = path.join(tmp, name);
  mkdirSync(path.join(rootfs, inside), { recursive: true });
  writeFileSync(path.join(rootfs, inside, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  writeFileSync(path.join(rootfs, inside, 'group'), 'staff:x:50:alice\n');
  symlinkSync(target, path.join(rootfs, 'etc'));
  return rootfs;
}

describe('resolveUser reads /etc in the rootfs scope', () => {
  it('an /etc climbing out of the rootfs (../../..): the container view, not the host file', async () => {
    const climb = `${'../'.repeat(tmp.split('/').length + 4)}${host.slice(1)}`;
    const rootfs = rootfsWithEtcLink('climbing', climb, host.slice(1));
    expect(await resolveUser(rootfs, 'alice')).toEqual({ uid: 1000, gid: 1000, additionalGids: [50], home: '/home/alice' });
    expect(await resolveUser(rootfs)).toMatchObject({ uid: 0, home: '/root' });
  });

  it('an absolute /etc naming a host directory: the same path inside the rootfs', async () => {
    const rootfs = rootfsWithEtcLink('absolute', host, host.slice(1));
    expect(await resolveUser(rootfs, 'alice')).toEqual({ uid: 1000, gid: 1000, additionalGids: [50], home: '/home/alice' });
    await expect(resolveUser(rootfs, 'alice:hostgrp')).rejects.toThrow('unable to find group hostgrp: no matching entries in group file');
  });

  it('an absolute /etc to a path the rootfs lacks: no entries (the host file there is not read)', async () => {
    const rootfs = path.join(tmp, 'dangling');
    mkdirSync(rootfs);
    symlinkSync(host, path.join(rootfs, 'etc'));
    await expect(resolveUser(rootfs, 'alice')).rejects.toThrow('unable to find user alice: no matching entries in passwd file');
    expect(await resolveUser(rootfs, '7:8')).toEqual({ uid: 7, gid: 8, additionalGids: [], home: '/' });
  });

  it('a FIFO or a directory as /etc/passwd reads as empty, without opening it', async () => {
    const rootfs = path.join(tmp, 'fifo');
    mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
    execFileSync('mkfifo', [path.join(rootfs, 'etc', 'passwd')]);
    mkdirSync(path.join(rootfs, 'etc', 'group'));
    expect(await resolveUser(rootfs, '5')).toEqual({ uid: 5, gid: 0, additionalGids: [], home: '/' });
    await expect(resolveUser(rootfs, 'root')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
