/**
 * Mount destinations through symlinks in the image, with the real docker CLI: a volume, a bind
 * and a tmpfs at `/data` where the image's `/data` is a dangling symlink (absolute and relative).
 * Docker resolves the destination inside the container's root (FollowSymlinkInScope) and
 * creates the missing target there (a directory, or a file for a file bind); the mount lands
 * on the target, `/data` stays the link.
 * The working directory (`-w`) through such a link is made the same way. A target missing inside
 * a read-only bind is refused as runc refuses it (crun would make it in the bind's host
 * directory). Under crun (the default) and runc.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientsFor, failed, ok, scratchDir, useDaemon } from './harness';

let c: ReturnType<typeof clientsFor>;
let work: string;

useDaemon((d) => {
  c = clientsFor(d);
  work = scratchDir('mount-dest');
});

beforeAll(async () => {
  // /data -> /missing/target (absolute, dangling), /rel -> gone/here (relative, dangling)
  ok(await c.docker(['run', '--name', 'mk', 'busybox', 'sh', '-c', 'ln -s /missing/target /data && ln -s gone/here /rel && ln -s /etc/app/app.conf /app.conf && mkdir /srv && ln -s /missing/x /srv/data']));
  ok(await c.docker(['commit', 'mk', 'dangling:1']));
}, 120_000);

describe.each(['crun', 'runc'])('mount destination through a dangling symlink (%s)', (runtime) => {
  it('a named volume: the target is created in the root and the volume is mounted there', async () => {
    const vol = `dv-${runtime}`;
    const r = ok(
      await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${vol}:/data`, 'dangling:1', 'sh', '-c', 'echo hi > /data/f && readlink /data && cat /missing/target/f']),
    );
    expect(r.stdout).toBe('/missing/target\nhi\n');
    const seen = ok(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${vol}:/v`, 'busybox', 'cat', '/v/f']));
    expect(seen.stdout).toBe('hi\n');
  });

  it('a bind mount through a relative dangling symlink', async () => {
    const src = path.join(work, `bind-${runtime}`);
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'b.txt'), 'bound\n');
    const r = ok(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${src}:/rel`, 'dangling:1', 'sh', '-c', 'cat /gone/here/b.txt && readlink /rel']));
    expect(r.stdout).toBe('bound\ngone/here\n');
  });

  it('a file bind through a dangling symlink: an empty file is made for it', async () => {
    const src = path.join(work, `app-${runtime}.conf`);
    fs.writeFileSync(src, 'setting=1\n');
    const r = ok(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${src}:/app.conf:ro`, 'dangling:1', 'cat', '/etc/app/app.conf']));
    expect(r.stdout).toBe('setting=1\n');
  });

  it('a read-only bind laid before it does not stop the target being made (-v /h:/ro:ro -v vol:/srv/data)', async () => {
    const ro = path.join(work, `ro-${runtime}`);
    fs.mkdirSync(ro);
    const r = ok(
      await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${ro}:/ro:ro`, '-v', `dro-${runtime}:/srv/data`, 'dangling:1', 'sh', '-c', 'echo x > /srv/data/f && cat /missing/x/f']),
    );
    expect(r.stdout).toBe('x\n');
  });

  it('docker cp into a created, never-started container reaches the volume; the start then shows it at the target', async () => {
    const src = path.join(work, `cp-${runtime}.txt`);
    fs.writeFileSync(src, 'copied\n');
    const beyond = path.join(work, `cp2-${runtime}.txt`);
    fs.writeFileSync(beyond, 'beyond\n');
    const id = ok(await c.docker(['create', '--runtime', runtime, '-v', `dcp-${runtime}:/data`, 'dangling:1', 'cat', '/missing/target/f.txt', '/missing/target/g.txt'])).stdout.trim();
    ok(await c.docker(['cp', src, `${id}:/data/f.txt`]));
    // the link's target itself, before any start: docker's cp mounts the volume there (mountVolumes)
    ok(await c.docker(['cp', beyond, `${id}:/missing/target/g.txt`]));
    expect(ok(await c.docker(['start', '-a', id])).stdout).toBe('copied\nbeyond\n');
    ok(await c.docker(['rm', id]));
  });

  it('-w through a dangling symlink: the working directory is made where it leads (docker\'s SetupWorkingDirectory)', async () => {
    const r = ok(await c.docker(['run', '--rm', '--runtime', runtime, '-w', '/data', 'dangling:1', 'sh', '-c', 'pwd; stat -c "%a %U %F" /missing/target; readlink /data']));
    expect(r.stdout).toBe('/missing/target\n755 root directory\n/missing/target\n');
    const rel = ok(await c.docker(['run', '--rm', '--runtime', runtime, '-w', '/rel/sub', 'dangling:1', 'pwd']));
    expect(rel.stdout).toBe('/gone/here/sub\n');
  });

  it('a target missing inside a read-only bind is refused as runc refuses it, and nothing is written to the bind\'s host directory', async () => {
    const ro = path.join(work, `rot-${runtime}`);
    fs.mkdirSync(ro);
    const vol = failed(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${ro}:/r:ro`, '-v', `rov-${runtime}:/r/sub/deep`, 'busybox', 'true']));
    expect(vol.stderr).toContain('error mounting "_data" to rootfs at "/r/sub/deep": mkdir sub: read-only file system');
    const tmp = failed(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${ro}:/r:ro`, '--tmpfs', '/r/t', 'busybox', 'true']));
    expect(tmp.stderr).toContain('error mounting "tmpfs" to rootfs at "/r/t": mkdir t: read-only file system');
    expect(fs.readdirSync(ro)).toEqual([]);
    // a target that exists there is fine, and so is one inside a tmpfs laid in the read-only bind
    fs.mkdirSync(path.join(ro, 't'));
    expect(ok(await c.docker(['run', '--rm', '--runtime', runtime, '-v', `${ro}:/r:ro`, '--tmpfs', '/r/t', '-v', `rov-${runtime}:/r/t/v`, 'busybox', 'sh', '-c', 'grep -c " /r/t " /proc/mounts'])).stdout).toBe('1\n');
  });

  it('--tmpfs', async () => {
    const r = ok(await c.docker(['run', '--rm', '--runtime', runtime, '--tmpfs', '/data', 'dangling:1', 'sh', '-c', 'grep -c " /missing/target tmpfs " /proc/mounts']));
    expect(r.stdout).toBe('1\n');
  });
});
