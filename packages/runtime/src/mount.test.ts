import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isMountPoint, mountRootfs, unmountRootfs } from './mount';
import { tempDir } from './__fixtures__/busybox-bundle';

let dir: string;
const targets: string[] = [];

beforeAll(async () => {
  dir = await tempDir('berth-mount-');
  for (const d of ['l/A', 'l/B', 'upper', 'work']) await fs.mkdir(path.join(dir, d), { recursive: true });
  await fs.writeFile(path.join(dir, 'l/A/a.txt'), 'from A');
  await fs.writeFile(path.join(dir, 'l/B/b.txt'), 'from B');
  await fs.writeFile(path.join(dir, 'l/B/a.txt'), 'shadowed');
});
afterAll(async () => {
  for (const t of targets) await unmountRootfs(t).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('mountRootfs / unmountRootfs', () => {
  it('mounts an overlay whose lowerdirs are relative to cwd, idempotently, and unmounts it', async () => {
    const target = path.join(dir, 'rootfs');
    targets.push(target);
    const mounts = [
      {
        type: 'overlay',
        source: 'overlay',
        options: [`lowerdir=A:B`, `upperdir=${path.join(dir, 'upper')}`, `workdir=${path.join(dir, 'work')}`],
        cwd: path.join(dir, 'l'),
      },
    ];
    await mountRootfs(mounts, target);
    expect(await isMountPoint(target)).toBe(true);
    expect(await fs.readFile(path.join(target, 'a.txt'), 'utf8')).toBe('from A');
    expect(await fs.readFile(path.join(target, 'b.txt'), 'utf8')).toBe('from B');
    await mountRootfs(mounts, target); // already mounted: nothing happens
    await fs.writeFile(path.join(target, 'new.txt'), 'x');
    expect(await fs.readFile(path.join(dir, 'upper', 'new.txt'), 'utf8')).toBe('x');
    await unmountRootfs(target);
    expect(await isMountPoint(target)).toBe(false);
    await unmountRootfs(target); // not mounted: fine
    await unmountRootfs(path.join(dir, 'does-not-exist'));
  });

  it('bind mounts, and a failing mount leaves nothing mounted', async () => {
    const target = path.join(dir, 'bound');
    targets.push(target);
    await mountRootfs([{ type: 'bind', source: path.join(dir, 'l/A'), options: ['rbind', 'ro'] }], target);
    expect(await fs.readFile(path.join(target, 'a.txt'), 'utf8')).toBe('from A');
    await unmountRootfs(target);
    const bad = path.join(dir, 'bad');
    targets.push(bad);
    await expect(
      mountRootfs([{ type: 'overlay', source: 'overlay', options: ['lowerdir=/nonexistent-x:/nonexistent-y'] }], bad),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await isMountPoint(bad)).toBe(false);
  });

  it('unmounts a busy mount lazily', async () => {
    const target = path.join(dir, 'busy');
    targets.push(target);
    await mountRootfs([{ type: 'bind', source: path.join(dir, 'l/B'), options: ['rbind'] }], target);
    const fh = await fs.open(path.join(target, 'b.txt'), 'r');
    try {
      await unmountRootfs(target);
      expect(await isMountPoint(target)).toBe(false);
    } finally {
      await fh.close();
    }
  });
});
