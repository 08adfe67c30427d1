import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { CancelledError, NotFoundError } from '@berth/errdefs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { buildTar, ensureNativeBuilt, listTar, rmrf, streamOf, tempDir, walk, type TestEntry } from './__fixtures__/helpers';
import { layerNative } from './native';
import { packDirectory } from './pack-directory';
import { unpackLayer } from './unpack-layer';

const MTIME = new Date('2021-03-04T05:06:07Z');
const LONG = `long/${'n'.repeat(180)}`;
// a security.capability v2 value granting cap_net_bind_service (effective)
const CAP = Buffer.from('0100000200040000000000000000000000000000', 'hex');

function entries(): TestEntry[] {
  return [
    { header: { name: './', type: 'directory', mode: 0o755, mtime: MTIME } },
    { header: { name: 'bin/', type: 'directory', mode: 0o755, mtime: MTIME } },
    { header: { name: 'bin/su', type: 'file', mode: 0o4755, uid: 0, gid: 0, mtime: MTIME }, body: 'su!' },
    { header: { name: 'bin/sg', type: 'file', mode: 0o2711, uid: 0, gid: 42, mtime: MTIME }, body: 'sg' },
    { header: { name: 'bin/ping', type: 'file', mode: 0o755, mtime: MTIME, pax: { 'SCHILY.xattr.security.capability': CAP.toString('latin1') } }, body: 'ping' },
    { header: { name: 'bin/ln', type: 'link', linkname: 'bin/su', mode: 0o4755, mtime: MTIME } },
    { header: { name: 'tmp/', type: 'directory', mode: 0o1777, mtime: MTIME } },
    { header: { name: 'tmp/user', type: 'file', mode: 0o600, uid: 300000, gid: 400000, mtime: MTIME, pax: { uid: '300000', gid: '400000', 'SCHILY.xattr.user.note': 'hi there' } }, body: 'bigids' },
    { header: { name: 'dev/', type: 'directory', mode: 0o755, mtime: MTIME } },
    { header: { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3, mtime: MTIME } },
    { header: { name: 'dev/loop0', type: 'block-device', mode: 0o660, gid: 6, devmajor: 7, devminor: 0, mtime: MTIME } },
    { header: { name: 'dev/fifo', type: 'fifo', mode: 0o620, mtime: MTIME } },
    { header: { name: 'link', type: 'symlink', linkname: `/${LONG}`, uid: 7, gid: 8, mtime: MTIME } },
    { header: { name: LONG, type: 'file', mode: 0o644, mtime: MTIME }, body: Buffer.alloc(300000, 7) },
    { header: { name: 'empty/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000, mtime: MTIME } },
  ];
}

describe('unpackLayer and packDirectory round trip', () => {
  let work: string;
  beforeAll(() => ensureNativeBuilt());
  beforeEach(() => {
    work = tempDir('roundtrip');
  });
  afterEach(() => rmrf(work));

  it('keeps modes, special bits, owners, devices, xattrs, long names, hardlinks and mtimes', async () => {
    const a = path.join(work, 'a');
    fs.mkdirSync(a);
    const r = await unpackLayer(streamOf(await buildTar(entries()), 1000), a);
    expect(r.entries).toBe(15);
    expect(r.size).toBe(3 + 2 + 4 + 6 + 300000);
    expect(r.diffId).toMatch(/^sha256:[0-9a-f]{64}$/);

    const st = (p: string): fs.Stats => fs.lstatSync(path.join(a, p));
    expect(st('bin/su').mode & 0o7777).toBe(0o4755);
    expect(st('bin/sg').mode & 0o7777).toBe(0o2711);
    expect(st('bin/sg').gid).toBe(42);
    expect(st('tmp').mode & 0o7777).toBe(0o1777);
    expect(st('bin/ln').ino).toBe(st('bin/su').ino);
    expect([st('tmp/user').uid, st('tmp/user').gid]).toEqual([300000, 400000]);
    expect(st('dev/null').isCharacterDevice()).toBe(true);
    expect(st('dev/null').rdev).toBe(0x103);
    expect(st('dev/loop0').isBlockDevice()).toBe(true);
    expect(st('dev/fifo').isFIFO()).toBe(true);
    expect(st('dev/fifo').mode & 0o7777).toBe(0o620);
    expect(st('link').isSymbolicLink()).toBe(true);
    expect([st('link').uid, st('link').gid]).toEqual([7, 8]);
    expect(fs.readlinkSync(path.join(a, 'link'))).toBe(`/${LONG}`);
    expect(fs.readFileSync(path.join(a, LONG)).equals(Buffer.alloc(300000, 7))).toBe(true);
    expect([st('empty').uid, st('empty').mode & 0o7777]).toEqual([1000, 0o700]);
    const native = layerNative();
    expect(native.lgetxattr(path.join(a, 'bin/ping'), 'security.capability')).toEqual(CAP);
    expect(native.lgetxattr(path.join(a, 'tmp/user'), 'user.note')?.toString()).toBe('hi there');
    // mtimes, directories' included (set after their contents), symlinks' too
    for (const p of ['', 'bin', 'bin/su', 'tmp', 'dev', 'dev/null', 'link', LONG, 'empty']) {
      expect([p, st(p).mtimeMs]).toEqual([p, MTIME.getTime()]);
    }

    // pack it again, and unpack what we packed: the same tree
    const listed = await listTar(packDirectory(a));
    const byName = new Map(listed.map((e) => [e.name, e]));
    expect(listed.map((e) => e.name)).toEqual([
      'bin/', 'bin/ln', 'bin/ping', 'bin/sg', 'bin/su', 'dev/', 'dev/fifo', 'dev/loop0', 'dev/null', 'empty/',
      'link', 'long/', LONG, 'tmp/', 'tmp/user',
    ]);
    // sorted walk: bin/ln comes first, so it is the file and bin/su the hardlink
    expect(byName.get('bin/ln')).toMatchObject({ type: 'file', mode: 0o4755, size: 3 });
    expect(byName.get('bin/su')).toMatchObject({ type: 'link', linkname: 'bin/ln' });
    expect(byName.get(LONG)?.body.equals(Buffer.alloc(300000, 7))).toBe(true);
    expect(byName.get('link')?.linkname).toBe(`/${LONG}`);
    expect(byName.get('tmp/user')?.pax).toMatchObject({ uid: '300000', gid: '400000', 'SCHILY.xattr.user.note': 'hi there' });
    expect(byName.get('bin/ping')?.pax?.['SCHILY.xattr.security.capability']).toBeDefined();
    expect(byName.get('dev/null')).toMatchObject({ type: 'character-device' });
    expect(byName.get('empty/')).toMatchObject({ type: 'directory', mode: 0o700, uid: 1000 });

    const b = path.join(work, 'b');
    fs.mkdirSync(b);
    await unpackLayer(packDirectory(a), b);
    const describeTree = (root: string): string[] =>
      walk(root).map((p) => {
        const s = fs.lstatSync(path.join(root, p));
        const x = layerNative().llistxattr(path.join(root, p)).sort().join(',');
        const content = s.isFile() ? fs.readFileSync(path.join(root, p)).length : s.isSymbolicLink() ? fs.readlinkSync(path.join(root, p)) : '';
        return [p, s.mode.toString(8), s.uid, s.gid, s.rdev, s.nlink, Math.floor(s.mtimeMs / 1000), x, content].join(' ');
      });
    expect(describeTree(b)).toEqual(describeTree(a));
  });

  it('uses the first name met in sorted order as the file and the later ones as hardlinks', async () => {
    const d = path.join(work, 'd');
    fs.mkdirSync(path.join(d, 'z'), { recursive: true });
    fs.writeFileSync(path.join(d, 'z/one'), 'same');
    fs.linkSync(path.join(d, 'z/one'), path.join(d, 'a'));
    fs.linkSync(path.join(d, 'z/one'), path.join(d, 'm'));
    const listed = await listTar(packDirectory(d));
    expect(listed.map((e) => [e.name, e.type, e.linkname ?? null, e.body.toString()])).toEqual([
      ['a', 'file', null, 'same'],
      ['m', 'link', 'a', ''],
      ['z/', 'directory', null, ''],
      ['z/one', 'link', 'a', ''],
    ]);
  });

  it('reads a file at the size it had when listed, even if it shrinks while being read', async () => {
    const d = path.join(work, 'd');
    fs.mkdirSync(d);
    const size = 20 * 1024 * 1024; // more than the packer reads ahead (2 chunks of 1 MiB) before its first chunk goes out
    fs.writeFileSync(path.join(d, 'f'), Buffer.alloc(size, 1));
    fs.writeFileSync(path.join(d, 'g'), 'after');
    const iter = packDirectory(d)[Symbol.asyncIterator]();
    const first = (await iter.next()).value as Buffer;
    fs.truncateSync(path.join(d, 'f'), 100);
    async function* rest(): AsyncGenerator<Buffer> {
      yield first;
      for (let r = await iter.next(); r.done !== true; r = await iter.next()) yield r.value as Buffer;
    }
    const listed = await listTar(Readable.from(rest(), { objectMode: false }));
    expect(listed.map((e) => [e.name, e.size, e.body.length])).toEqual([
      ['f', size, size],
      ['g', 5, 5],
    ]);
    expect(listed[0]!.body.subarray(size - 10).equals(Buffer.alloc(10))).toBe(true);
  });

  it('closes a big file only after its reads in flight, when the reader goes away mid-file', async () => {
    const d = path.join(work, 'd');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'f'), Buffer.alloc(40 * 1024 * 1024, 2));
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    const s = packDirectory(d);
    const iter = s[Symbol.asyncIterator]();
    await iter.next();
    await iter.return!(undefined); // reads of the next chunks are in flight on the worker threads
    // the reads settle on the worker threads, then the fd is closed (a loaded machine may take a while)
    for (let i = 0; i < 100 && fds() !== before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(s.destroyed).toBe(true);
    expect(fds()).toBe(before);
  });

  it('ends the stream with CancelledError when the signal aborts', async () => {
    const d = path.join(work, 'd');
    fs.mkdirSync(d);
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(d, `f${i}`), Buffer.alloc(100000, i));
    const ac = new AbortController();
    const iter = packDirectory(d, { signal: ac.signal })[Symbol.asyncIterator]();
    await iter.next();
    ac.abort();
    let err: unknown;
    try {
      for (let r = await iter.next(); r.done !== true; r = await iter.next());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CancelledError);
  });

  it('fails the stream with NotFoundError for a missing directory', async () => {
    await expect(listTar(packDirectory(path.join(work, 'missing')))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('packs binary xattr values, big ids and mode 000 byte for byte (tar-stream alone would not)', async () => {
    const d = path.join(work, 'd');
    fs.mkdirSync(d);
    const f = path.join(d, 'f');
    fs.writeFileSync(f, 'x');
    const value = Buffer.from('0100000280c0ff000000000000000000000000ff', 'hex'); // not UTF-8
    layerNative().lsetxattr(f, 'user.bin', value);
    fs.chownSync(f, 300001, 400001);
    fs.chmodSync(f, 0o000);
    const chunks: Buffer[] = [];
    for await (const c of packDirectory(d)) chunks.push(c as Buffer);
    const b = Buffer.concat(chunks);
    expect(b.length % 512).toBe(0);
    expect(b.subarray(-1024).equals(Buffer.alloc(1024))).toBe(true);
    const e = path.join(work, 'e');
    fs.mkdirSync(e);
    await unpackLayer(streamOf(b), e);
    const st = fs.lstatSync(path.join(e, 'f'));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([300001, 400001, 0]);
    expect(layerNative().lgetxattr(path.join(e, 'f'), 'user.bin')).toEqual(value);
  });

  it('packs one member named from `as`, the root as `/`, and takes substituted entries from elsewhere', async () => {
    const d = path.join(work, 'root');
    fs.mkdirSync(path.join(d, 'srv', 'd', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(d, 'srv', 'd', 'f.txt'), 'hello\n');
    fs.linkSync(path.join(d, 'srv', 'd', 'f.txt'), path.join(d, 'srv', 'd', 'sub', 'hard'));
    fs.symlinkSync('/etc', path.join(d, 'srv', 'd', 'etc'));
    fs.mkdirSync(path.join(d, 'srv', 'd', 'mnt'));
    fs.writeFileSync(path.join(d, 'srv', 'd', 'mnt', 'hidden'), 'under the mount');
    const vol = path.join(work, 'vol');
    fs.mkdirSync(path.join(vol, 'deep'), { recursive: true });
    fs.writeFileSync(path.join(vol, 'deep', 'v.txt'), 'volume');
    const hostname = path.join(work, 'hostname');
    fs.writeFileSync(hostname, 'myhost\n');
    const names = async (o: Parameters<typeof packDirectory>[1], dir = path.join(d, 'srv')) => (await listTar(packDirectory(dir, o))).map((e) => `${e.name}${e.linkname ? ` -> ${e.linkname}` : ''}`);

    expect(await names({ member: 'd' })).toEqual(['d/', 'd/etc -> /etc', 'd/f.txt', 'd/mnt/', 'd/mnt/hidden', 'd/sub/', 'd/sub/hard -> d/f.txt']);
    expect(await names({ member: 'd', as: 'copy' })).toEqual(['copy/', 'copy/etc -> /etc', 'copy/f.txt', 'copy/mnt/', 'copy/mnt/hidden', 'copy/sub/', 'copy/sub/hard -> copy/f.txt']);
    expect(await names({ member: 'f.txt', as: 'g' }, path.join(d, 'srv', 'd'))).toEqual(['g']);
    expect(await names({ member: 'etc' }, path.join(d, 'srv', 'd'))).toEqual(['etc -> /etc']);
    expect(await names({ member: '.', as: '.' }, path.join(d, 'srv', 'd'))).toEqual(['./', './etc -> /etc', './f.txt', './mnt/', './mnt/hidden', './sub/', './sub/hard -> ./f.txt']);
    const subst = new Map([['d/mnt', vol], ['d/hostname', hostname]]);
    const withMounts = await listTar(packDirectory(path.join(d, 'srv'), { member: 'd', substitutes: subst }));
    expect(withMounts.map((e) => e.name)).toEqual(['d/', 'd/etc', 'd/f.txt', 'd/hostname', 'd/mnt/', 'd/mnt/deep/', 'd/mnt/deep/v.txt', 'd/sub/', 'd/sub/hard']);
    expect(withMounts.find((e) => e.name === 'd/hostname')!.body.toString()).toBe('myhost\n');
    const root = await names({ member: '.', as: '', substitutes: new Map([['/srv/d/mnt', vol]]) }, d);
    expect(root).toEqual(['/', '/srv/', '/srv/d/', '/srv/d/etc -> /etc', '/srv/d/f.txt', '/srv/d/mnt/', '/srv/d/mnt/deep/', '/srv/d/mnt/deep/v.txt', '/srv/d/sub/', '/srv/d/sub/hard -> /srv/d/f.txt']);
    await expect(listTar(packDirectory(d, { member: 'nope' }))).rejects.toBeInstanceOf(NotFoundError);
    await expect(listTar(packDirectory(d, { member: '../x' }))).rejects.toThrow('is not a name in it');
  });
});
