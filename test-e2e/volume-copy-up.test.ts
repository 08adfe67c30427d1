/**
 * Volume copy-up (issue 10, the container boundary): a volume that is empty when a container
 * starts gets the image's content at the mount path. The volume can be in use by another,
 * running container meanwhile; a process there that puts a symlink to a host file at a name the
 * copy writes (between the emptiness check and the copy) must only ever redirect the write to
 * somewhere inside the volume (Docker 20.10 copies with continuity's fs.CopyDir, by path). GNU `cp -a`, which berth
 * used, wrote the image's /etc/passwd through `passwd -> <host file>` onto the host file at the
 * first attempt. A start may fail (the racer removes what the copy makes); at least one must
 * succeed. Bounded: 12 starts or 20 s. And the copy itself: content, links, owners, modes
 * and the source directory's owner and mode on the volume's root; atimes and mtimes with their
 * nanoseconds and every xattr (trusted.*, security.*, user.*), as fs.CopyDir keeps them.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, busyboxRootfsTar, clientsFor, makeDockerSaveArchive, makeTar, ok, scratchDir, useDaemon } from './harness';

/** GNU cp -a (the old copy) wrote onto the host file at the first start; a few more for margin. */
const ATTEMPTS = 12;
const BUDGET_MS = 20_000;

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];

useDaemon((daemon) => {
  d = daemon;
  docker = clientsFor(d).docker;
});

describe('volume copy-up', () => {
  it('copies the image content with its owners, modes and links, and the directory\'s owner and mode onto the volume\'s root', async () => {
    ok(
      await docker([
        'run', '--name', 'cu-src', 'busybox', 'sh', '-c',
        // up: a relative link climbing above the mount path, as Debian's /etc/os-release -> ../usr/lib/os-release (Docker's fs.CopyDir copies it as it is)
        'mkdir -p /srv/d/sub && echo one > /srv/d/f && ln /srv/d/f /srv/d/hard && ln -s f /srv/d/link && ln -s ../../../etc/passwd /srv/d/sub/up && echo two > /srv/d/sub/g && chown -R 1000:1001 /srv/d && chmod 0710 /srv/d && chmod 0640 /srv/d/sub/g',
      ]),
    );
    ok(await docker(['commit', 'cu-src', 'cu-img']));
    const out = ok(
      await docker(['run', '--rm', '-v', 'cu-vol:/srv/d', 'cu-img', 'sh', '-c', 'cd /srv/d && stat -c "%n %a %u:%g %h" . f hard sub sub/g && readlink link && readlink sub/up && cat f sub/g && head -1 sub/up']),
    ).stdout;
    expect(out.trim().split('\n')).toEqual(['. 710 1000:1001 3', 'f 644 1000:1001 2', 'hard 644 1000:1001 2', 'sub 755 1000:1001 2', 'sub/g 640 1000:1001 1', 'f', '../../../etc/passwd', 'one', 'two', 'root:x:0:0:root:/root:/bin/sh']);
  }, 60_000);

  it('keeps atimes and mtimes to the nanosecond and every xattr (trusted.*, security.*, user.*), the directory\'s own on the volume\'s root', async () => {
    // an image whose layer has them (docker load keeps them, as Docker's Unpack does)
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_raw+ep, VFS_CAP_REVISION_2
    const t = { mtime: '1600000000.123456789', atime: '1700000000.987654321' };
    const layer = makeTar([
      { name: 'nano/', type: 'dir', mode: 0o750, pax: { ...t, 'SCHILY.xattr.trusted.berth': 'td' } },
      { name: 'nano/f', content: 'one\n', pax: { ...t, 'SCHILY.xattr.trusted.berth': 'tf', 'SCHILY.xattr.security.capability': cap, 'SCHILY.xattr.user.berth': 'uf' } },
      { name: 'nano/small', content: 'two\n', pax: { mtime: '1600000001.000000001', atime: '1700000001.5' } },
      { name: 'nano/l', type: 'symlink', linkname: 'f', pax: t },
    ]);
    const file = path.join(scratchDir('copy-up-nano'), 'img.tar');
    fs.writeFileSync(file, makeDockerSaveArchive({ layers: [fs.readFileSync(busyboxRootfsTar()), layer], repoTag: 'cu-nano:latest' }));
    ok(await docker(['load', '-i', file]));
    ok(await docker(['run', '--rm', '-v', 'cu-nano-vol:/nano', 'cu-nano', 'true']));
    const data = path.join(d.dataRoot, 'volumes', 'cu-nano-vol', '_data');
    const seen = (n: string) => {
      const st = fs.lstatSync(path.join(data, n), { bigint: true });
      const x = execFileSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', path.join(data, n)], { encoding: 'utf8' });
      return { n, atime: st.atimeNs, mtime: st.mtimeNs, xattrs: x.split('\n').filter((l) => l.includes('=')) };
    };
    const hex = (s: string) => `0x${Buffer.from(s).toString('hex')}`;
    expect([seen('.'), seen('f'), seen('small'), seen('l')]).toEqual([
      { n: '.', atime: 1_700_000_000_987_654_321n, mtime: 1_600_000_000_123_456_789n, xattrs: [`trusted.berth=${hex('td')}`] },
      { n: 'f', atime: 1_700_000_000_987_654_321n, mtime: 1_600_000_000_123_456_789n, xattrs: [`security.capability=0x${cap.toString('hex')}`, `trusted.berth=${hex('tf')}`, `user.berth=${hex('uf')}`] },
      { n: 'small', atime: 1_700_000_001_500_000_000n, mtime: 1_600_000_001_000_000_001n, xattrs: [] },
      { n: 'l', atime: 1_700_000_000_987_654_321n, mtime: 1_600_000_000_123_456_789n, xattrs: [] },
    ]);
    expect(fs.statSync(data).mode & 0o7777).toBe(0o750);
  }, 60_000);

  it(`a container sharing the volume and swapping in symlinks to a host file never gets a write onto it (${ATTEMPTS} starts)`, async () => {
    const host = scratchDir('copy-up-race');
    const victim = path.join(host, 'victim');
    fs.writeFileSync(victim, 'HOST-ONLY\n', { mode: 0o600 });
    ok(await docker(['volume', 'create', 'cu-shared']));
    // empties the volume (what a copy-up put there too) and puts the links at the names busybox's /etc has, over and over
    const loop = `while :; do rm -rf /v/* 2>/dev/null; ln -s ${victim} /v/passwd; ln -s ${victim} /v/group; rm -f /v/passwd /v/group; done`;
    ok(await docker(['run', '-d', '--name', 'cu-racer', '-v', 'cu-shared:/v', 'busybox', 'sh', '-c', loop]));
    try {
      const started = Date.now();
      let attempts = 0;
      let copied = 0;
      for (; attempts < ATTEMPTS && Date.now() - started < BUDGET_MS; attempts++) {
        // the racer removes what the copy made as it goes: a start may fail (so would Docker's untar), never write outside
        if ((await docker(['run', '--rm', '-v', 'cu-shared:/etc', 'busybox', 'true'])).code === 0) copied++;
        expect(fs.readFileSync(victim, 'utf8')).toBe('HOST-ONLY\n');
        expect(fs.lstatSync(victim).mode & 0o7777).toBe(0o600);
      }
      expect(copied).toBeGreaterThanOrEqual(1);
    } finally {
      ok(await docker(['rm', '-f', 'cu-racer']));
    }
  }, 60_000);
});
