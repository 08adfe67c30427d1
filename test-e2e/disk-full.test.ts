/**
 * Issue 10, a full disk (berthd's data root on a 64 MiB tmpfs the test mounts): `load` of an
 * image larger than the free space fails with the real cause and leaves nothing behind, with
 * no uncaught exception; the daemon answers on and loads and runs a small image; a container
 * that filled the disk, whose process then dies while nothing can be written, is reported
 * exited and can be removed; stop and kill work on the full disk; once the space is back
 * everything works.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BerthDaemon, busyboxRootfsTar, clientsFor, exec, makeDockerSaveArchive, makeTar, ok, scratchDir, sleep, waitFor } from './harness';

let work: string;
let small: string;
let d: BerthDaemon | undefined;
let docker: ReturnType<typeof clientsFor>['docker'];

const free = (): number => {
  const s = fs.statfsSync(small);
  return s.bavail * s.bsize;
};

beforeAll(async () => {
  work = scratchDir('disk-full');
  // not inside the scratch dir: that one goes in the harness's afterAll, before ours unmounts
  small = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-tmpfs-'));
  ok(await exec('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', small]));
  d = await BerthDaemon.start({ dataRoot: path.join(small, 'root') });
  docker = clientsFor(d).docker;
  ok(await docker(['import', busyboxRootfsTar(), 'busybox:latest']));
}, 90_000);

afterAll(async () => {
  try {
    await d?.dispose();
  } finally {
    await exec('umount', [small]);
    fs.rmdirSync(small);
  }
}, 60_000);

describe('a full data root', () => {
  it('load of an image larger than the free space: "no space left on device", nothing half-written, no uncaught exception; a small image loads and runs after', async () => {
    const layer = makeTar([{ name: 'big', content: randomBytes(96 << 20) }]);
    const big = path.join(work, 'big.tar');
    fs.writeFileSync(big, makeDockerSaveArchive({ layers: [layer], repoTag: 'big:1' }));
    const smallSave = path.join(work, 'busybox.tar');
    ok(await docker(['save', '-o', smallSave, 'busybox']));
    ok(await docker(['rmi', 'busybox']));
    const before = free();
    for (let i = 0; i < 2; i++) {
      const r = await docker(['load', '-i', big]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('layer: no space left on device');
      expect(r.stderr).not.toContain(small); // no host path
    }
    // nothing half-written: no image, nothing in tmp/ or staged, the space is back
    expect(ok(await docker(['images', '-q'])).stdout).toBe('');
    const root = d!.dataRoot;
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'layers')).filter((n) => n.startsWith('.staging'))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'content', 'sha256'))).toEqual([]);
    expect(before - free()).toBeLessThan(2 << 20);
    expect(d!.log()).not.toMatch(/uncaught exception|unhandled rejection/);
    expect(await d!.ping()).toBe(true);
    ok(await docker(['load', '-i', smallSave]));
    expect(ok(await docker(['run', '--rm', 'busybox', 'echo', 'loaded'])).stdout).toBe('loaded\n');
  }, 120_000);

  it('a container that filled the disk and died meanwhile is reported exited and removed; once space is back, runs work', async () => {
    // the fill starts once `run -d` has answered: a fill racing the start's own database write
    // would fail the run itself (SQLITE_FULL), which is not what this test is about
    const id = ok(await docker(['run', '-d', 'busybox', 'sh', '-c', 'until [ -e /go ]; do sleep 0.05; done; dd if=/dev/zero of=/fill bs=1M; sleep 1000'])).stdout.trim();
    ok(await docker(['exec', id, 'touch', '/go']));
    await waitFor('the disk to fill', () => free() < 1 << 20, 30_000);
    // the last free blocks go too (the database's journal then has no room at all)
    const filler = path.join(small, 'filler');
    await exec('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k']);
    const pid = Number(ok(await docker(['inspect', '--format', '{{.State.Pid}}', id])).stdout.trim());
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await waitFor('the container to be reported exited', async () => ok(await docker(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])).stdout.startsWith('Exited (137)'), 10_000);
    expect(await d!.ping()).toBe(true);
    ok(await docker(['rm', '-f', id]));
    expect(ok(await docker(['ps', '-aq'])).stdout).toBe('');
    fs.rmSync(filler);
    await sleep(100);
    expect(ok(await docker(['run', '--rm', 'busybox', 'echo', 'space is back'])).stdout).toBe('space is back\n');
    // the removal holds after a restart too: the row did go
    await d!.restart();
    expect(ok(await docker(['ps', '-aq'])).stdout).toBe('');
    expect(d!.log()).not.toMatch(/uncaught exception|unhandled rejection/);
  }, 120_000);

  it('stop and kill on the full disk stop the container (the manual stop kept in memory), reported exited; rm after', async () => {
    const a = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
    const b = ok(await docker(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
    const filler = path.join(small, 'filler');
    await exec('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k']);
    try {
      expect(free()).toBeLessThan(1 << 16);
      // a refused database write: the real cause, not berthd's SQL (the log keeps that)
      const r = await docker(['rename', a, 'renamed-on-full-disk']);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe('Error response from daemon: sqlite: SQLITE_FULL: database or disk is full');
      expect(d!.log()).toMatch(/rename[^"]*","status":500,"err":"sqlite: SQLITE_FULL: database or disk is full","detail":"in: [A-Z]/);
      ok(await docker(['stop', '-t', '1', a]));
      ok(await docker(['kill', b]));
      for (const id of [a, b]) expect(ok(await docker(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])).stdout).toMatch(/^Exited \(137\)/);
    } finally {
      fs.rmSync(filler);
    }
    ok(await docker(['rm', a, b]));
  }, 60_000);

  it('docker exec works on the full disk (exec state lives on the exec root, off the data root): it deletes the file that filled it; a health probe runs too', async () => {
    expect(d!.execRoot).toBeDefined();
    expect(fs.existsSync(d!.execRoot!)).toBe(true);
    expect(d!.execRoot!.startsWith(small)).toBe(false);
    const id = ok(
      await docker(['run', '-d', '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sh', '-c', 'until [ -e /go ]; do sleep 0.05; done; dd if=/dev/zero of=/fill bs=1M; sleep 1000']),
    ).stdout.trim();
    ok(await docker(['exec', id, 'touch', '/go']));
    await waitFor('the disk to fill', () => free() < 1 << 20, 30_000);
    const filler = path.join(small, 'filler');
    await exec('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k']);
    try {
      expect(free()).toBeLessThan(1 << 16);
      // the daemon's own writes are refused meanwhile (what the old layout did to exec too)
      expect(() => fs.writeFileSync(path.join(small, 'probe'), Buffer.alloc(1 << 20))).toThrow(/ENOSPC/);
      const r = ok(await docker(['exec', id, 'sh', '-c', 'ls /fill && rm /fill && echo removed']));
      expect(r.stdout).toBe('/fill\nremoved\n');
      // an interactive exec too (stdin attached)
      expect(ok(await docker(['exec', '-i', id, 'cat'], { input: 'through stdin' })).stdout).toBe('through stdin');
    } finally {
      fs.rmSync(filler);
      fs.rmSync(path.join(small, 'probe'), { force: true });
    }
    expect(free()).toBeGreaterThan(20 << 20);
    await waitFor('a health probe to pass', async () => ok(await docker(['inspect', '--format', '{{.State.Health.Status}}', id])).stdout.trim() === 'healthy', 10_000);
    ok(await docker(['rm', '-f', id]));
  }, 120_000);

  it('a commit on the full disk fails with the real cause and leaves the container running, not frozen; rm -f removes it after a restart', async () => {
    // the container ticks a counter in its own /dev/shm (a tmpfs, not the full disk) once the fill is done
    const tickLoop = 'i=0; while :; do i=$((i+1)); echo $i > /dev/shm/tick; sleep 0.05; done';
    const id = ok(await docker(['run', '-d', 'busybox', 'sh', '-c', `until [ -e /go ]; do sleep 0.05; done; dd if=/dev/zero of=/fill bs=1M; ${tickLoop}`])).stdout.trim();
    ok(await docker(['exec', id, 'touch', '/go']));
    await waitFor('the disk to fill', () => free() < 1 << 20, 30_000);
    const filler = path.join(small, 'filler');
    await exec('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k']);
    const pid = Number(ok(await docker(['inspect', '--format', '{{.State.Pid}}', id])).stdout.trim());
    const tick = (): string => fs.readFileSync(`/proc/${pid}/root/dev/shm/tick`, 'utf8');
    await waitFor('the container to tick', () => fs.existsSync(`/proc/${pid}/root/dev/shm/tick`), 30_000);
    const r = await docker(['commit', id, 'full:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no space left on device');
    expect(r.stderr).not.toContain(small);
    // docker pauses a container for a commit and always unpauses it: it must still run
    expect(ok(await docker(['inspect', '--format', '{{.State.Status}}', id])).stdout.trim()).toBe('running');
    const t0 = tick();
    await sleep(500);
    expect(tick()).not.toBe(t0);
    await d!.restart();
    ok(await docker(['rm', '-f', id]));
    expect(ok(await docker(['ps', '-aq'])).stdout).toBe('');
    fs.rmSync(filler);
    expect(d!.log()).not.toMatch(/uncaught exception|unhandled rejection/);
  }, 120_000);
});
