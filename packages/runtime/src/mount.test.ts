import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { detachRootfs, isMountPoint, mountRootfs, unmountRootfs } from './mount';
import { runtimeNative, overrideRuntimeNative } from './native-addon';
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

describe('mount(2) through the addon', () => {
  it('is built and used', () => {
    expect(runtimeNative()).not.toBeNull();
  });

  it('mounts many layers named relative to cwd (options past a page if absolute) without moving the process cwd', async () => {
    const layers = path.join(dir, 'many');
    const names: string[] = [];
    for (let i = 0; i < 120; i++) {
      const n = `L${String(i).padStart(3, '0')}${'x'.repeat(20)}`;
      names.push(n);
      await fs.mkdir(path.join(layers, n), { recursive: true });
      await fs.writeFile(path.join(layers, n, `f${i}`), String(i));
    }
    await fs.writeFile(path.join(layers, names[0]!, 'top'), 'first wins');
    await fs.writeFile(path.join(layers, names[119]!, 'top'), 'last loses');
    const absolute = names.map((n) => path.join(layers, n)).join(':');
    expect(absolute.length).toBeGreaterThan(4096);
    for (const d of ['mupper', 'mwork']) await fs.mkdir(path.join(dir, d), { recursive: true });
    const target = path.join(dir, 'many-rootfs');
    targets.push(target);
    const cwdBefore = process.cwd();
    await mountRootfs(
      [
        {
          type: 'overlay',
          source: 'overlay',
          options: [`lowerdir=${names.join(':')}`, `upperdir=${path.join(dir, 'mupper')}`, `workdir=${path.join(dir, 'mwork')}`],
          cwd: layers,
        },
      ],
      target,
    );
    expect(process.cwd()).toBe(cwdBefore);
    expect(await isMountPoint(target)).toBe(true);
    expect(await fs.readFile(path.join(target, 'top'), 'utf8')).toBe('first wins');
    expect(await fs.readFile(path.join(target, 'f119'), 'utf8')).toBe('119');
    await unmountRootfs(target);
    expect(await isMountPoint(target)).toBe(false);
  });

  it('refuses options longer than a page, and a failed mount leaves nothing mounted', async () => {
    const target = path.join(dir, 'too-long');
    targets.push(target);
    const long = `lowerdir=${Array.from({ length: 200 }, (_, i) => path.join(dir, `nonexistent-layer-${i}`)).join(':')}`;
    await expect(mountRootfs([{ type: 'overlay', source: 'overlay', options: [long] }], target)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await isMountPoint(target)).toBe(false);
    // the second description fails: the first is undone
    await expect(
      mountRootfs(
        [
          { type: 'bind', source: path.join(dir, 'l/A'), options: ['rbind'] },
          { type: 'overlay', source: 'overlay', options: ['lowerdir=missing'], cwd: path.join(dir, 'l') },
        ],
        target,
      ),
    ).rejects.toThrow(/mount overlay failed: ENOENT|mount overlay failed: .*No such file/);
    expect(await isMountPoint(target)).toBe(false);
    // a missing cwd names the cwd
    await expect(
      mountRootfs([{ type: 'overlay', source: 'overlay', options: ['lowerdir=A'], cwd: path.join(dir, 'no-such-dir') }], target),
    ).rejects.toThrow(/chdir/);
    expect(await isMountPoint(target)).toBe(false);
  });

  it('stacked mounts all come off', async () => {
    const target = path.join(dir, 'stacked');
    targets.push(target);
    await mountRootfs([{ type: 'bind', source: path.join(dir, 'l/A'), options: ['bind'] }], target);
    // a second mount on top (mountRootfs itself would see the mount point and do nothing)
    const n = runtimeNative()!;
    await new Promise<void>((res, rej) => n.mount(path.join(dir, 'l/B'), target, null, n.MS_BIND, null, null, (e) => (e ? rej(e) : res())));
    expect(await fs.readFile(path.join(target, 'b.txt'), 'utf8')).toBe('from B');
    await unmountRootfs(target);
    expect(await isMountPoint(target)).toBe(false);
  });
});

describe('the mount(8) fallback (addon not built)', () => {
  beforeAll(() => overrideRuntimeNative(null));
  afterAll(() => overrideRuntimeNative(undefined));

  it('mounts with cwd-relative lowerdirs and unmounts', async () => {
    const target = path.join(dir, 'fallback');
    targets.push(target);
    await mountRootfs(
      [
        {
          type: 'overlay',
          source: 'overlay',
          options: [`lowerdir=A:B`, `upperdir=${path.join(dir, 'upper')}`, `workdir=${path.join(dir, 'work')}`],
          cwd: path.join(dir, 'l'),
        },
      ],
      target,
    );
    expect(await isMountPoint(target)).toBe(true);
    expect(await fs.readFile(path.join(target, 'a.txt'), 'utf8')).toBe('from A');
    await unmountRootfs(target);
    expect(await isMountPoint(target)).toBe(false);
  });
});

describe('detachRootfs', () => {
  it('takes the mount out of the table at once; the same upper and work mount again once released', async () => {
    for (const d of ['dupper', 'dwork']) await fs.mkdir(path.join(dir, d), { recursive: true });
    const target = path.join(dir, 'detached');
    targets.push(target);
    const mounts = [
      {
        type: 'overlay',
        source: 'overlay',
        options: ['lowerdir=A:B', `upperdir=${path.join(dir, 'dupper')}`, `workdir=${path.join(dir, 'dwork')}`],
        cwd: path.join(dir, 'l'),
      },
    ];
    await mountRootfs(mounts, target);
    await fs.writeFile(path.join(target, 'written'), 'w');
    const { released } = await detachRootfs(target);
    expect(await isMountPoint(target)).toBe(false);
    await released;
    expect(await fs.readFile(path.join(dir, 'dupper', 'written'), 'utf8')).toBe('w');
    await mountRootfs(mounts, target);
    expect(await fs.readFile(path.join(target, 'written'), 'utf8')).toBe('w');
    await (await detachRootfs(target)).released;
    expect(await isMountPoint(target)).toBe(false);
    // nothing mounted, or no directory: fine
    await (await detachRootfs(target)).released;
    await (await detachRootfs(path.join(dir, 'nope'))).released;
  });
});
