/**
 * Paths past PATH_MAX (4,096 bytes) made by a container, in its rootfs and in volumes: a
 * container's paths are measured from its root, so it can make a tree whose host path, under
 * berthd's data root, is longer than any path call takes. Removing such a container (`rm -v`, its
 * anonymous volume too) and such a volume (`volume rm`) must work and leave nothing, as Docker's
 * os.RemoveAll (by fd) does; node's fs.rm unlinks by whole path and fails with ENAMETOOLONG.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsAt } from '@berth/fs';
import { BerthDaemon, clientsFor, ok, useDaemon } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];

useDaemon((daemon) => {
  d = daemon;
  docker = clientsFor(d).docker;
});

/**
 * Makes `TOP/a/<15 x 200-byte dirs>/b/<15 x 200-byte dirs>/f` in each TOP (about 6,000 bytes
 * below it): two trees of 3,000 bytes, one moved into the other (a shell's `cd` and any path
 * call stop at PATH_MAX, rename does not care how deep its result is).
 */
const DEEP = 'N=$(printf "d%.0s" $(seq 1 200)); P=$N; for i in $(seq 2 15); do P=$P/$N; done; for top in "$@"; do mkdir -p "$top/a/$P" "$top/b/$P" && echo deep > "$top/b/$P/f" && mv "$top/b" "$top/a/$P/" || exit 1; done';

/** How deep the tree under `dir` goes, in bytes of path below it (walked by relative names: no path call past PATH_MAX). */
function depthBelow(dir: string): number {
  let depth = 0;
  let at = dir;
  const fds: number[] = [];
  try {
    for (;;) {
      const names = fs.readdirSync(at);
      const sub = names.find((n) => fs.lstatSync(`${at}/${n}`).isDirectory());
      if (sub === undefined) return depth;
      const fd = fs.openSync(`${at}/${sub}`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      fds.push(fd);
      at = `/proc/self/fd/${fd}`;
      depth += sub.length + 1;
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

describe('trees deeper than PATH_MAX made by a container', () => {
  it('rm -v of a container that made one in its rootfs and in its anonymous volume, and volume rm of a named one: done, nothing left', async () => {
    const volumes = path.join(d.dataRoot, 'volumes');
    const before = fs.readdirSync(volumes).sort();
    const id = ok(await docker(['run', '--name', 'deep', '-v', '/anon', '-v', 'deep-named:/named', 'busybox', 'sh', '-c', DEEP, 'sh', '/root', '/anon', '/named'])).stdout.trim();
    const anon = JSON.parse(ok(await docker(['inspect', '-f', '{{json .Mounts}}', 'deep'])).stdout) as { Name: string; Destination: string }[];
    const anonName = anon.find((m) => m.Destination === '/anon')!.Name;
    expect(depthBelow(path.join(volumes, 'deep-named', '_data'))).toBeGreaterThan(4096);
    expect(depthBelow(path.join(volumes, anonName, '_data'))).toBeGreaterThan(4096);

    ok(await docker(['rm', '-v', 'deep']));
    expect(fs.existsSync(path.join(volumes, anonName))).toBe(false);
    expect(ok(await docker(['ps', '-aq'])).stdout).toBe('');
    expect(fs.readdirSync(path.join(d.dataRoot, 'containers')).filter((n) => id.includes(n) || n.startsWith(id.slice(0, 12)))).toEqual([]);

    ok(await docker(['volume', 'rm', 'deep-named']));
    expect(ok(await docker(['volume', 'ls', '-q'])).stdout).toBe('');
    expect(fs.readdirSync(volumes).sort()).toEqual(before);
  }, 60_000);

  it('a tree past PATH_MAX left in tmp/ (a bundle a crash left there) does not stop the next start: removed', async () => {
    await d.stop();
    const left = path.join(d.dataRoot, 'tmp', 'left-by-a-crash');
    fs.mkdirSync(left);
    // 25 directories of 200 bytes, made by fd (no path call past PATH_MAX)
    let dir = fs.openSync(left, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    for (let i = 0; i < 25; i++) {
      fsAt().mkdirat(dir, 'd'.repeat(200), 0o755);
      const next = fsAt().openat(dir, 'd'.repeat(200), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY, 0);
      fs.closeSync(dir);
      dir = next;
    }
    fs.closeSync(dir);
    expect(depthBelow(left)).toBeGreaterThan(4096);
    await d.restart();
    expect(fs.existsSync(left)).toBe(false);
    ok(await docker(['volume', 'ls']));
  }, 60_000);
});
