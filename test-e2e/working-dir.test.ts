/**
 * The working directory (`-w`) with the real docker CLI, as Docker 20.10 makes it: at create
 * (createContainerOSSpecificSettings -> SetupWorkingDirectory, in the rootfs alone, 0755 root),
 * so `docker diff` of a created container shows it and a file in the way is refused then; and at
 * start, inside a volume or a tmpfs, by the runtime (runc's MkdirAll after the mounts). A
 * working directory missing in a read-only mount fails as runc fails it, under crun too (crun
 * would make it in the bind's host directory before remounting it read-only). At create too: no
 * anonymous volume over a file.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientsFor, failed, ok, scratchDir, useDaemon } from './harness';

let c: ReturnType<typeof clientsFor>;
let work: string;

useDaemon((d) => {
  c = clientsFor(d);
  work = scratchDir('working-dir');
});

describe('at create, in the mounted rootfs (Docker\'s createContainerOSSpecificSettings)', () => {
  it('docker diff of a created container shows it; its path is stored cleaned; owned by root whatever the user (the daemon\'s root pair); the start runs there', async () => {
    const id = ok(await c.docker(['create', '-u', '1000', '-w', '/new/dir/../made/', 'busybox', 'sh', '-c', 'pwd; stat -c "%a %u:%g" /new/made'])).stdout.trim();
    expect(ok(await c.docker(['diff', id])).stdout).toBe('A /new\nA /new/made\n');
    expect(ok(await c.docker(['inspect', '-f', '{{.Config.WorkingDir}}', id])).stdout).toBe('/new/made\n');
    expect(ok(await c.docker(['start', '-a', id])).stdout).toBe('/new/made\n755 0:0\n');
    ok(await c.docker(['rm', id]));
  });

  it('a link to a host path (climbing above /) leads inside the root: made there, nothing on the host', async () => {
    const host = path.join(work, 'escape');
    fs.mkdirSync(host);
    // relative, climbing above the layer's root: kept at commit as Docker's overlay2 ApplyDiff does (chrootarchive.UntarUncompressed, extractDir /)
    ok(await c.docker(['run', '--name', 'climb-src', 'busybox', 'ln', '-s', `../../..${host}`, '/esc']));
    ok(await c.docker(['commit', 'climb-src', 'climb:1']));
    ok(await c.docker(['rm', 'climb-src']));
    const id = ok(await c.docker(['create', '-w', '/esc/sub', 'climb:1', 'pwd'])).stdout.trim();
    expect(fs.readdirSync(host)).toEqual([]);
    expect(ok(await c.docker(['diff', id])).stdout).toContain(`A ${host}/sub\n`);
    expect(ok(await c.docker(['start', '-a', id])).stdout).toBe(`${host}/sub\n`);
    expect(fs.readdirSync(host)).toEqual([]);
    ok(await c.docker(['rm', id]));
  });

  it('a file in the way is refused at create with docker\'s message, and no container is left', async () => {
    const before = ok(await c.docker(['ps', '-aq'])).stdout;
    const r = failed(await c.docker(['create', '-w', '/etc/passwd', 'busybox', 'true']));
    expect(r.stderr).toContain('Error response from daemon: Cannot mkdir: /etc/passwd is not a directory');
    const below = failed(await c.docker(['create', '-w', '/etc/passwd/x', 'busybox', 'true']));
    expect(below.stderr).toContain('Error response from daemon: lstat /etc/passwd/x: not a directory');
    expect(ok(await c.docker(['ps', '-aq'])).stdout).toBe(before);
  });

  it('a file put at the working directory after create: the next start fails as docker\'s (500, exit code 128)', async () => {
    ok(await c.docker(['run', '--name', 'wd-file', '-w', '/w', 'busybox', 'sh', '-c', 'cd / && rmdir /w && touch /w']));
    const r = failed(await c.docker(['start', 'wd-file']));
    expect(r.stderr).toContain('Error response from daemon: Cannot mkdir: /w is not a directory');
    expect(ok(await c.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', 'wd-file'])).stdout).toBe('exited 128 Cannot mkdir: /w is not a directory\n');
    ok(await c.docker(['rm', 'wd-file']));
  });

  it('an anonymous volume (an image\'s VOLUME, -v /path) over a file is refused at create, as docker does then; nothing left', async () => {
    ok(await c.docker(['create', '--name', 'volfile-src', 'busybox', 'true']));
    ok(await c.docker(['commit', '--change', 'VOLUME /etc/passwd', 'volfile-src', 'volfile:1']));
    ok(await c.docker(['rm', 'volfile-src']));
    const containers = ok(await c.docker(['ps', '-aq'])).stdout;
    const volumes = ok(await c.docker(['volume', 'ls', '-q'])).stdout;
    const img = failed(await c.docker(['create', 'volfile:1', 'true']));
    expect(img.stderr).toContain('Error response from daemon: cannot mount volume over existing file, file exists /etc/passwd');
    const flag = failed(await c.docker(['create', '-v', '/bin/sh', 'busybox', 'true']));
    expect(flag.stderr).toContain('cannot mount volume over existing file, file exists /bin/busybox'); // /bin/sh -> busybox, followed
    expect(ok(await c.docker(['ps', '-aq'])).stdout).toBe(containers);
    expect(ok(await c.docker(['volume', 'ls', '-q'])).stdout).toBe(volumes);
    // a bind over the file is fine, and so is a directory
    const id = ok(await c.docker(['create', '-v', '/etc/hostname:/etc/passwd:ro', '-v', '/etc', 'busybox', 'true'])).stdout.trim();
    ok(await c.docker(['rm', '-v', id]));
  });
});

describe.each(['crun', 'runc'])('a working directory inside a mount (%s)', (runtime) => {
  it('-v vol:/w -w /w/sub: the subdirectory is made in the volume', async () => {
    const vol = `wd-${runtime}`;
    const r = ok(await c.docker(['run', '--rm', '--runtime', runtime, '-u', '1000', '-v', `${vol}:/w`, '-w', '/w/sub', 'busybox', 'sh', '-c', 'pwd; stat -c "%a %u" .']));
    expect(r.stdout).toBe('/w/sub\n755 0\n');
    expect(ok(await c.docker(['run', '--rm', '-v', `${vol}:/v`, 'busybox', 'ls', '/v'])).stdout).toBe('sub\n');
    ok(await c.docker(['volume', 'rm', vol]));
  });

  it('a bind mount without the subdirectory: made in the host directory', async () => {
    const src = path.join(work, `bind-${runtime}`);
    fs.mkdirSync(src);
    expect(ok(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${src}:/b`, '-w', '/b/sub/deeper', 'busybox', 'pwd'])).stdout).toBe('/b/sub/deeper\n');
    expect(fs.statSync(path.join(src, 'sub', 'deeper')).isDirectory()).toBe(true);
  });

  it('--tmpfs /t -w /t/sub: made in the tmpfs', async () => {
    expect(ok(await c.docker(['run', '--rm', '--runtime', runtime, '--tmpfs', '/t', '-w', '/t/sub', 'busybox', 'sh', '-c', 'pwd; grep -c " /t tmpfs " /proc/mounts'])).stdout).toBe('/t/sub\n1\n');
  });

  it('missing in a read-only bind: the start fails as runc fails it, and nothing is written to the host directory', async () => {
    const src = path.join(work, `ro-${runtime}`);
    fs.mkdirSync(src);
    const r = failed(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${src}:/r:ro`, '-w', '/r/sub/x', 'busybox', 'pwd']));
    expect(r.stderr).toContain('mkdir /r/sub: read-only file system');
    expect(fs.readdirSync(src)).toEqual([]);
    // one that exists is fine, and so is a tmpfs laid inside the read-only bind
    fs.mkdirSync(path.join(src, 'there'));
    expect(ok(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${src}:/r:ro`, '-w', '/r/there', 'busybox', 'pwd'])).stdout).toBe('/r/there\n');
    expect(ok(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${src}:/r:ro`, '--tmpfs', '/r/there', '-w', '/r/there/sub', 'busybox', 'pwd'])).stdout).toBe('/r/there/sub\n');
  });

  it('--read-only: the working directory made at create is there', async () => {
    expect(ok(await c.docker(['run', '--rm', '--runtime', runtime, '--read-only', '-w', '/made/at/create', 'busybox', 'pwd'])).stdout).toBe('/made/at/create\n');
  });
});
