/**
 * Docker 20.10's user-namespace rules for layer and copy-in entries (createTarFile): block and
 * char devices are skipped in a user namespace, a FIFO's EPERM is skipped only there, and a
 * setxattr's EPERM or ENOTSUP is skipped everywhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { buildTar, ensureNativeBuilt, rmrf, tempDir } from './__fixtures__/helpers';
import { resolveLayerLimits } from './layer-limits';
import { LayerWriter } from './layer-writer';
import { layerNative, type LayerNative } from './native';
import { TarExtractFeed } from './tar-extract-feed';
import { TypeFlag, deviceEntrySkipped, mknodIgnorable, xattrIgnorable, type TarEntry } from './tar-entry';
import { uidMapIsUserNs } from './user-namespace';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: test`), { code });
const entry = (typeflag: string): TarEntry => ({ name: 'x', linkname: '', typeflag, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, atime: undefined, devmajor: 1, devminor: 3, xattrs: undefined });

describe('uidMapIsUserNs (rsys.RunningInUserNS)', () => {
  it('the initial namespace maps the whole range onto itself', () => {
    expect(uidMapIsUserNs('         0          0 4294967295\n')).toBe(false);
  });
  it('any other map is a user namespace', () => {
    expect(uidMapIsUserNs('         0          0          1\n')).toBe(true);
    expect(uidMapIsUserNs('0 100000 65536\n')).toBe(true);
    expect(uidMapIsUserNs('0 0 4294967294\n')).toBe(true);
  });
  it('an empty map counts as the initial namespace', () => {
    expect(uidMapIsUserNs('')).toBe(false);
  });
});

describe('the rules', () => {
  it('setxattr: EPERM and ENOTSUP are skipped (no namespace condition in Docker 20.10); anything else is not', () => {
    for (const c of ['EPERM', 'ENOTSUP', 'EOPNOTSUPP']) expect(xattrIgnorable(errno(c))).toBe(true);
    for (const c of ['EACCES', 'ENOSPC', 'E2BIG', 'ERANGE']) expect(xattrIgnorable(errno(c))).toBe(false);
  });
  it('block and char devices are skipped in a user namespace only; a FIFO never', () => {
    expect(deviceEntrySkipped(entry(TypeFlag.Char), true)).toBe(true);
    expect(deviceEntrySkipped(entry(TypeFlag.Block), true)).toBe(true);
    expect(deviceEntrySkipped(entry(TypeFlag.Fifo), true)).toBe(false);
    expect(deviceEntrySkipped(entry(TypeFlag.Char), false)).toBe(false);
    expect(deviceEntrySkipped(entry(TypeFlag.Block), false)).toBe(false);
  });
  it("mknod's EPERM is skipped in a user namespace only", () => {
    expect(mknodIgnorable(errno('EPERM'), true)).toBe(true);
    expect(mknodIgnorable(errno('EPERM'), false)).toBe(false);
    expect(mknodIgnorable(errno('ENOSPC'), true)).toBe(false);
  });
});

describe('LayerWriter applies them', () => {
  let work: string;
  beforeAll(() => ensureNativeBuilt());
  beforeEach(() => {
    work = tempDir('userns');
  });
  afterEach(() => rmrf(work));

  /** The real addon, with mknod failing EPERM (what a user namespace answers for a device) and setxattr failing with `xattrErr`. */
  const denying = (xattrErr = 'EPERM'): LayerNative => {
    const real = layerNative();
    return {
      ...real,
      lgetxattr: (p, n) => real.lgetxattr(p, n),
      llistxattr: (p) => real.llistxattr(p),
      mknod: () => {
        throw errno('EPERM');
      },
      lsetxattr: () => {
        throw errno(xattrErr);
      },
    };
  };

  const unpack = async (dest: string, native: LayerNative, inUserNs: boolean, tar: Buffer): Promise<void> => {
    fs.mkdirSync(dest);
    const w = new LayerWriter(dest, resolveLayerLimits(undefined), native, inUserNs);
    const feed = new TarExtractFeed(w);
    await feed.push(tar);
    await feed.end();
    w.finish();
  };

  const layer = (): Promise<Buffer> =>
    buildTar([
      { header: { name: 'dev/', type: 'directory' } },
      { header: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 } },
      { header: { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 } },
      { header: { name: 'dev/pipe', type: 'fifo', mode: 0o600 } },
      { header: { name: 'ok', type: 'file', pax: { 'SCHILY.xattr.user.x': 'v' } }, body: 'kept\n' },
    ]);

  it('in a user namespace: the devices are skipped, the FIFO whose mknod is denied too, the rest is written', async () => {
    const dest = path.join(work, 'in');
    await unpack(dest, denying(), true, await layer());
    expect(fs.readdirSync(path.join(dest, 'dev'))).toEqual([]);
    expect(fs.readFileSync(path.join(dest, 'ok'), 'utf8')).toBe('kept\n');
  });

  it('outside one: a denied mknod fails the unpack', async () => {
    await expect(unpack(path.join(work, 'out'), denying(), false, await layer())).rejects.toMatchObject({ code: 'EPERM' });
  });

  it('outside one: a denied setxattr is skipped (EPERM and ENOTSUP), any other setxattr error fails', async () => {
    const onlyFile = await buildTar([{ header: { name: 'ok', type: 'file', pax: { 'SCHILY.xattr.user.x': 'v' } }, body: 'kept\n' }]);
    for (const code of ['EPERM', 'ENOTSUP']) {
      const dest = path.join(work, code);
      await unpack(dest, denying(code), false, onlyFile);
      expect(fs.readFileSync(path.join(dest, 'ok'), 'utf8')).toBe('kept\n');
    }
    await expect(unpack(path.join(work, 'eacces'), denying('EACCES'), false, onlyFile)).rejects.toMatchObject({ code: 'EACCES' });
  });

  it('outside one, with the real mknod: every device is made', async () => {
    const dest = path.join(work, 'real');
    await unpack(dest, layerNative(), false, await layer());
    expect(fs.statSync(path.join(dest, 'dev/null')).isCharacterDevice()).toBe(true);
    expect(fs.statSync(path.join(dest, 'dev/sda')).isBlockDevice()).toBe(true);
    expect(fs.statSync(path.join(dest, 'dev/pipe')).isFIFO()).toBe(true);
  });
});
