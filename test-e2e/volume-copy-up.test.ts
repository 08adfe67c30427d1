/**
 * Volume copy-up (issue 10, the container boundary): a volume that is empty when a container
 * starts gets the image's content at the mount path. The volume can be in use by another,
 * running container meanwhile; a process there that puts a symlink to a host file at a name the
 * copy writes (between the emptiness check and the copy) must only ever redirect the write to
 * somewhere inside the volume (Docker 20.10 copies with continuity's fs.CopyDir, by path). GNU `cp -a`, which berth
 * used, wrote the image's /etc/passwd through `passwd -> <host file>` onto the host file at the
 * first attempt. A start may fail (the racer removes what the copy makes); at least one must
 * succeed. Bounded: 12 starts or 20 s. And the copy itself: content, links, owners, modes
 * and the source directory's owner and mode on the volume's root.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, clientsFor, ok, scratchDir, useDaemon } from './harness';

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
