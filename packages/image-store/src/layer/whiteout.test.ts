import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { buildTar, ensureNativeBuilt, listTar, rmrf, streamOf, tempDir } from './__fixtures__/helpers';
import { layerNative } from './native';
import { packDirectory } from './pack-directory';
import { unpackLayer } from './unpack-layer';
import { OPAQUE_XATTR } from './whiteout';

const isWhiteout = (p: string): boolean => {
  const st = fs.lstatSync(p);
  return st.isCharacterDevice() && st.rdev === 0;
};
const opaque = (p: string): string | undefined => layerNative().lgetxattr(p, OPAQUE_XATTR)?.toString();

describe('whiteouts and opaque directories', () => {
  let work: string;
  beforeAll(() => ensureNativeBuilt());
  beforeEach(() => {
    work = tempDir('whiteout');
  });
  afterEach(() => rmrf(work));

  const layerTar = (): Promise<Buffer> =>
    buildTar([
      { header: { name: 'd/', type: 'directory', mode: 0o755 } },
      { header: { name: 'd/.wh..wh..opq', type: 'file', mode: 0o755, size: 0 } },
      { header: { name: 'd/new', type: 'file', mode: 0o644 }, body: 'new' },
      { header: { name: '.wh.gone', type: 'file', mode: 0o600, mtime: new Date('2020-01-01T00:00:00Z') } },
      { header: { name: 'sub/.wh.f', type: 'file', mode: 0o600, uid: 5, gid: 6 } },
      { header: { name: 'sub/.wh..wh.plnk/x', type: 'file', mode: 0o600 } },
      { header: { name: 'forged/', type: 'directory', mode: 0o755, pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } } },
    ]);

  it('unpacks .wh.NAME to a 0/0 character device and .wh..wh..opq to the opaque xattr', async () => {
    const a = path.join(work, 'a');
    fs.mkdirSync(a);
    const r = await unpackLayer(streamOf(await layerTar()), a);
    expect(r.entries).toBe(7);
    expect(isWhiteout(path.join(a, 'gone'))).toBe(true);
    expect(isWhiteout(path.join(a, 'sub/f'))).toBe(true);
    expect(fs.lstatSync(path.join(a, 'gone')).mtimeMs).toBe(Date.parse('2020-01-01T00:00:00Z'));
    expect([fs.lstatSync(path.join(a, 'sub/f')).uid, fs.lstatSync(path.join(a, 'sub/f')).gid]).toEqual([5, 6]);
    expect(opaque(path.join(a, 'd'))).toBe('y');
    expect(opaque(path.join(a, 'forged'))).toBeUndefined(); // a tar cannot forge overlay xattrs
    expect(opaque(path.join(a, 'sub'))).toBeUndefined();
    expect(fs.readdirSync(a).sort()).toEqual(['d', 'forged', 'gone', 'sub']);
    expect(fs.readdirSync(path.join(a, 'sub'))).toEqual(['f']);
  });

  it('packs them back as .wh. entries in overlay-diff mode, and as devices in rootfs mode', async () => {
    const a = path.join(work, 'a');
    fs.mkdirSync(a);
    await unpackLayer(streamOf(await layerTar()), a);
    const diff = await listTar(packDirectory(a, { mode: 'overlay-diff' }));
    expect(diff.map((e) => [e.name, e.type, e.mode, e.size])).toEqual([
      ['d/', 'directory', 0o755, 0],
      ['d/.wh..wh..opq', 'file', 0o755, 0],
      ['d/new', 'file', 0o644, 3],
      ['forged/', 'directory', 0o755, 0],
      ['.wh.gone', 'file', 0o600, 0],
      ['sub/', 'directory', 0o755, 0],
      ['sub/.wh.f', 'file', 0o600, 0],
    ]);
    const rootfs = await listTar(packDirectory(a, { mode: 'rootfs' }));
    expect(rootfs.map((e) => [e.name, e.type])).toEqual([
      ['d/', 'directory'],
      ['d/new', 'file'],
      ['forged/', 'directory'],
      ['gone', 'character-device'],
      ['sub/', 'directory'],
      ['sub/f', 'character-device'],
    ]);

    // and the overlay-diff tar unpacks to the same thing, packing again gives the same bytes
    const b = path.join(work, 'b');
    fs.mkdirSync(b);
    const rb = await unpackLayer(packDirectory(a, { mode: 'overlay-diff' }), b);
    expect(isWhiteout(path.join(b, 'gone'))).toBe(true);
    expect(opaque(path.join(b, 'd'))).toBe('y');
    const c = path.join(work, 'c');
    fs.mkdirSync(c);
    const rc = await unpackLayer(packDirectory(b, { mode: 'overlay-diff' }), c);
    expect(rc.diffId).toBe(rb.diffId);
  });

  it('turns a real overlayfs upper dir into a layer (commit)', async () => {
    const lower = path.join(work, 'lower');
    fs.mkdirSync(lower);
    await unpackLayer(
      streamOf(
        await buildTar([
          { header: { name: 'a', type: 'file', mode: 0o644 }, body: 'a' },
          { header: { name: 'b', type: 'file', mode: 0o644 }, body: 'b' },
          { header: { name: 'd/', type: 'directory', mode: 0o755 } },
          { header: { name: 'd/x', type: 'file', mode: 0o644 }, body: 'x' },
        ]),
      ),
      lower,
    );
    const upper = path.join(work, 'upper');
    const wk = path.join(work, 'work');
    const merged = path.join(work, 'merged');
    for (const d of [upper, wk, merged]) fs.mkdirSync(d);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${wk}`, merged]);
    try {
      fs.rmSync(path.join(merged, 'a'));
      fs.rmSync(path.join(merged, 'b'));
      fs.rmSync(path.join(merged, 'd'), { recursive: true });
      fs.mkdirSync(path.join(merged, 'd'));
      fs.writeFileSync(path.join(merged, 'd/y'), 'y');
    } finally {
      execFileSync('umount', [merged]);
    }
    const diff = await listTar(packDirectory(upper, { mode: 'overlay-diff' }));
    expect(diff.map((e) => [e.name, e.type])).toEqual([
      ['.wh.a', 'file'],
      ['.wh.b', 'file'],
      ['d/', 'directory'],
      ['d/.wh..wh..opq', 'file'],
      ['d/y', 'file'],
    ]);
  });
});
