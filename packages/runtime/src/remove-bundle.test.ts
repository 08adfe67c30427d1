import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { mountRootfs, unmountRootfs } from './mount';
import { overrideRuntimeNative } from './native-addon';
import { removeBundle } from './remove-bundle';
import { tempDir } from './__fixtures__/busybox-bundle';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('berth-rmbundle-');
});
afterAll(async () => {
  await unmountRootfs(path.join(dir, 'mounted', 'rootfs')).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

async function makeTree(root: string): Promise<void> {
  await fs.mkdir(path.join(root, 'a/b/c'), { recursive: true });
  await fs.writeFile(path.join(root, 'a/b/c/f'), 'x');
  await fs.writeFile(path.join(root, 'top'), 'y');
  await fs.mkdir(path.join(root, 'work/work'), { recursive: true });
  await fs.chmod(path.join(root, 'work/work'), 0o000); // as overlayfs leaves it
  await fs.symlink('/etc', path.join(root, 'etc-link'));
}

describe('removeBundle', () => {
  it('removes a tree without following symlinks; a missing one is fine', async () => {
    const b = path.join(dir, 'b1');
    await makeTree(b);
    await removeBundle(b);
    await expect(fs.lstat(b)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await fs.stat('/etc/hostname')).isFile()).toBe(true);
    await removeBundle(b);
  });

  it('never empties a mount left inside: it fails and the mounted files stay', async () => {
    const src = path.join(dir, 'src');
    await fs.mkdir(src, { recursive: true });
    await fs.writeFile(path.join(src, 'keep'), 'k');
    const b = path.join(dir, 'mounted');
    await fs.mkdir(path.join(b, 'rootfs'), { recursive: true });
    await fs.writeFile(path.join(b, 'config.json'), '{}');
    await mountRootfs([{ type: 'bind', source: src, options: ['bind'] }], path.join(b, 'rootfs'));
    await expect(removeBundle(b)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(removeBundle(path.join(b, 'rootfs'))).rejects.toThrow(/EBUSY/);
    expect(await fs.readFile(path.join(src, 'keep'), 'utf8')).toBe('k');
    await unmountRootfs(path.join(b, 'rootfs'));
    await removeBundle(b);
    await expect(fs.lstat(b)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('without the addon: fs.rm', async () => {
    overrideRuntimeNative(null);
    try {
      const b = path.join(dir, 'b2');
      await makeTree(b);
      await removeBundle(b);
      await expect(fs.lstat(b)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      overrideRuntimeNative(undefined);
    }
  });
});
