import { describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { containerMounts, createInitLayer, withInitLayer } from './init-layer';

describe('init layer', () => {
  it('creates the placeholders Docker shows in exports, idempotently', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-init-'));
    try {
      const init = await createInitLayer(dir);
      await createInitLayer(dir);
      expect((await fs.stat(path.join(init, '.dockerenv'))).mode & 0o777).toBe(0o755);
      expect((await fs.stat(path.join(init, 'etc/hostname'))).isFile()).toBe(true);
      expect(await fs.readlink(path.join(init, 'etc/mtab'))).toBe('/proc/mounts');
      for (const d of ['dev/pts', 'dev/shm', 'proc', 'sys']) expect((await fs.stat(path.join(init, d))).isDirectory()).toBe(true);
      const mounts = await containerMounts([{ type: 'overlay', source: 'overlay', options: ['lowerdir=/l/a:/l/b', 'upperdir=/u', 'workdir=/w'] }], dir);
      expect(mounts[0]!.options[0]).toBe(`lowerdir=${init}:/l/a:/l/b`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps relative lowerdirs relative to the mount cwd; leaves other mounts alone', () => {
    const m = withInitLayer(
      [
        { type: 'overlay', source: 'overlay', cwd: '/root/layers/l', options: ['lowerdir=AB:CD', 'upperdir=/root/containers/c/upper'] },
        { type: 'bind', source: '/x', options: ['rbind'] },
      ],
      '/root/containers/c/init',
    );
    expect(m[0]!.options[0]).toBe('lowerdir=../../containers/c/init:AB:CD');
    expect(m[1]!.options).toEqual(['rbind']);
  });

  it('containers without an init dir (made before it existed) mount as they are', async () => {
    const mounts = [{ type: 'overlay', source: 'overlay', options: ['lowerdir=/l'] }];
    expect(await containerMounts(mounts, '/nonexistent-dir')).toBe(mounts);
  });
});
