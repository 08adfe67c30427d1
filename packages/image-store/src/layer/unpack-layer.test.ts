import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as zlib from 'node:zlib';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DataLossError, InvalidArgumentError } from '@berth/errdefs';
import { buildTar, ensureNativeBuilt, rmrf, streamOf, tempDir, walk, type TestEntry } from './__fixtures__/helpers';
import { layerNative } from './native';
import { BLOCK_SIZE, encodeHeader, paddingFor } from './__fixtures__/raw-tar';
import { encodePax } from './pax-records';
import { packDirectory } from './pack-directory';
import { unpackLayer } from './unpack-layer';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const T1 = new Date('2020-01-01T00:00:00Z');
const T2 = new Date('2022-02-02T00:00:00Z');

/** A hand-written tar (for what tar-stream does not write: GNU long names, base-256 ids). */
function rawTar(parts: { typeflag: string; name: string; body?: Buffer; uid?: number; linkname?: string }[]): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    const body = p.body ?? Buffer.alloc(0);
    out.push(encodeHeader({ name: p.name, mode: 0o644, uid: p.uid ?? 0, gid: 0, size: body.length, mtime: 1_600_000_000, typeflag: p.typeflag, linkname: p.linkname ?? '' }));
    out.push(body, Buffer.alloc(paddingFor(body.length)));
  }
  out.push(Buffer.alloc(2 * BLOCK_SIZE));
  return Buffer.concat(out);
}

describe('unpackLayer', () => {
  let work: string;
  let dest: string;
  beforeAll(() => ensureNativeBuilt());
  beforeEach(() => {
    work = tempDir('unpack');
    dest = path.join(work, 'dest');
    fs.mkdirSync(dest);
  });
  afterEach(() => rmrf(work));

  const unpack = async (entries: TestEntry[]): Promise<Awaited<ReturnType<typeof unpackLayer>>> => unpackLayer(streamOf(await buildTar(entries)), dest);

  it('hashes every byte of the uncompressed stream, trailing blocks included', async () => {
    const t = Buffer.concat([await buildTar([{ header: { name: 'a', type: 'file' }, body: 'a' }]), Buffer.alloc(4096)]);
    const r = await unpackLayer(streamOf(t, 700), dest);
    expect(r).toEqual({ diffId: sha256(t), size: 1, entries: 1 });
    const gz = path.join(work, 'l.tgz');
    fs.writeFileSync(gz, zlib.gzipSync(t));
    const d2 = path.join(work, 'd2');
    fs.mkdirSync(d2);
    expect((await unpackLayer(fs.createReadStream(gz), d2)).diffId).toBe(sha256(t));
  });

  it('takes an empty stream as an empty layer', async () => {
    expect(await unpackLayer(streamOf(Buffer.alloc(0)), dest)).toEqual({ diffId: sha256(Buffer.alloc(0)), size: 0, entries: 0 });
  });

  it('lets a later entry replace an earlier one, as tar does', async () => {
    await unpack([
      { header: { name: 'x', type: 'file' }, body: 'file' },
      { header: { name: 'x/', type: 'directory', mode: 0o700 } },
      { header: { name: 'x/in', type: 'file' }, body: 'in' },
      { header: { name: 'd/', type: 'directory', mode: 0o755 } },
      { header: { name: 'd/sub/f', type: 'file' }, body: 'f' },
      { header: { name: 'd', type: 'file' }, body: 'now a file' },
      { header: { name: 's', type: 'file' }, body: 's' },
      { header: { name: 's', type: 'symlink', linkname: 'x' } },
      { header: { name: 'k/', type: 'directory', mode: 0o700, mtime: T1 } },
      { header: { name: 'k/f', type: 'file' }, body: 'kept' },
      { header: { name: 'k/', type: 'directory', mode: 0o751, mtime: T2 } },
    ]);
    expect(walk(dest)).toEqual(['d', 'k', 'k/f', 's', 'x', 'x/in']);
    expect(fs.readFileSync(path.join(dest, 'd'), 'utf8')).toBe('now a file');
    expect(fs.readlinkSync(path.join(dest, 's'))).toBe('x');
    expect(fs.lstatSync(path.join(dest, 'k')).mode & 0o7777).toBe(0o751);
    expect(fs.lstatSync(path.join(dest, 'k')).mtimeMs).toBe(T2.getTime());
  });

  it('refuses an entry below what a later entry turned into a file', async () => {
    await expect(
      unpack([
        { header: { name: 'd/', type: 'directory' } },
        { header: { name: 'd', type: 'file' }, body: 'file' },
        { header: { name: 'd/x', type: 'file' }, body: 'x' },
      ]),
    ).rejects.toThrow(InvalidArgumentError);
  });

  it('reads GNU long names and links and base-256 numbers', async () => {
    const long = `${'dir/'.repeat(30)}file`;
    const t = rawTar([
      { typeflag: 'L', name: '././@LongLink', body: Buffer.from(`${long}\0`) },
      { typeflag: '0', name: long.slice(0, 100), body: Buffer.from('long'), uid: 3_000_000 },
      { typeflag: 'K', name: '././@LongLink', body: Buffer.from(`${long}\0`) },
      { typeflag: '1', name: 'hl', linkname: long.slice(0, 100), uid: 3_000_000 }, // (a hardlink's header owns the shared inode too)
    ]);
    await unpackLayer(streamOf(t), dest);
    expect(fs.readFileSync(path.join(dest, long), 'utf8')).toBe('long');
    expect(fs.lstatSync(path.join(dest, long)).uid).toBe(3_000_000);
    expect(fs.lstatSync(path.join(dest, 'hl')).ino).toBe(fs.lstatSync(path.join(dest, long)).ino);
  });

  it('keeps names that are not UTF-8 byte for byte, both ways', async () => {
    // binary strings: one char per byte, as the tar carries them
    const latin = 'caf\xe9';
    const longLatin = `${'\xff'.repeat(150)}.txt`;
    const t = rawTar([
      { typeflag: '0', name: latin, body: Buffer.from('latin1 name') },
      { typeflag: '2', name: 'l\xfe', linkname: latin },
      { typeflag: '1', name: 'h', linkname: latin },
      { typeflag: '5', name: 'd\xe9j\xe0/' },
    ]);
    await unpackLayer(streamOf(t), dest);
    const utf8Tar = await buildTar([
      { header: { name: 'd\xe9j\xe0/caf\u00e9-\u{1F600}', type: 'file' }, body: 'utf8 name' },
      { header: { name: `d\xe9j\xe0/${'\u00fc'.repeat(80)}`, type: 'file' }, body: 'long utf8 name' },
    ]);
    const bytes = (bin: string): Buffer => Buffer.from(bin, 'latin1');
    const list = (root: string, sub = ''): string[] =>
      fs.readdirSync(Buffer.concat([Buffer.from(root), bytes(sub)]), { encoding: 'buffer' }).map((b) => b.toString('hex')).sort();
    // a second layer dir gets the UTF-8 names; then both are packed and unpacked again
    const d2 = path.join(work, 'd2');
    fs.mkdirSync(d2);
    await unpackLayer(streamOf(utf8Tar), d2);
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dest}/`), bytes(longLatin)]), 'long latin1 name');
    expect(list(dest)).toEqual(['636166e9', '64e96ae0', '68', '6cfe', bytes(longLatin).toString('hex')].sort());
    expect(fs.readlinkSync(Buffer.concat([Buffer.from(`${dest}/`), bytes('l\xfe')]), { encoding: 'buffer' }).toString('latin1')).toBe(latin);
    expect(fs.readFileSync(path.join(d2, 'd\u00e9j\u00e0', 'caf\u00e9-\u{1F600}'), 'utf8')).toBe('utf8 name');

    for (const src of [dest, d2]) {
      const again = path.join(work, `again-${path.basename(src)}`);
      fs.mkdirSync(again);
      await unpackLayer(packDirectory(src), again);
      expect(list(again)).toEqual(list(src));
      const sub = fs.readdirSync(src, { encoding: 'buffer' }).find((n) => n[0] === 0x64 && n.length > 1)!.toString('latin1');
      expect(list(again, `/${sub}`)).toEqual(list(src, `/${sub}`));
      if (src === d2) expect(list(src, `/${sub}`)).toHaveLength(2);
    }
  });

  it('applies PAX mtime with its fraction', async () => {
    await unpack([{ header: { name: 'f', type: 'file', pax: { mtime: '1600000000.5' } }, body: 'x' }]);
    expect(fs.lstatSync(path.join(dest, 'f')).mtimeMs).toBe(1600000000500);
  });

  it('applies PAX mtime and atime to the nanosecond (Docker\'s Unpack: Chtimes of the header\'s times), files, directories and symlinks', async () => {
    const pax = { mtime: '1600000000.123456789', atime: '1700000000.987654321' };
    await unpack([
      { header: { name: 'd', type: 'directory', pax } },
      { header: { name: 'd/f', type: 'file', pax }, body: 'x' },
      { header: { name: 'd/l', type: 'symlink', linkname: 'f', pax } },
    ]);
    for (const n of ['d', 'd/f', 'd/l']) {
      const st = fs.lstatSync(path.join(dest, n), { bigint: true });
      expect([n, st.atimeNs, st.mtimeNs]).toEqual([n, 1_700_000_000_987_654_321n, 1_600_000_000_123_456_789n]);
    }
  });

  it('unpacks zstd layers (zlib zstd or fzstd), and refuses truncated or corrupt zstd', async () => {
    const t = await buildTar([{ header: { name: 'z', type: 'file' }, body: 'zstd'.repeat(5000) }]);
    // the zstd command (Debian's zstd package, installed by scripts/setup.sh) makes the input
    const zst = execFileSync('zstd', ['-c', '-q'], { input: t });
    expect((await unpackLayer(streamOf(zst), dest)).diffId).toBe(sha256(t));
    expect(fs.readFileSync(path.join(dest, 'z'), 'utf8')).toBe('zstd'.repeat(5000));
    const d2 = fs.mkdtempSync(path.join(os.tmpdir(), 'zst-trunc-'));
    const d3 = fs.mkdtempSync(path.join(os.tmpdir(), 'zst-bad-'));
    try {
      await expect(unpackLayer(streamOf(zst.subarray(0, zst.length - 7)), d2)).rejects.toBeInstanceOf(DataLossError);
      const bad = Buffer.from(zst);
      bad.fill(0xff, 8, Math.min(bad.length, 40));
      await expect(unpackLayer(streamOf(bad), d3)).rejects.toBeInstanceOf(DataLossError);
    } finally {
      fs.rmSync(d2, { recursive: true, force: true });
      fs.rmSync(d3, { recursive: true, force: true });
    }
  });

  it('refuses xz and bzip2 with a clear message', async () => {
    await expect(unpackLayer(streamOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2])), dest)).rejects.toThrow(/xz-compressed layers are not supported/);
    await expect(unpackLayer(streamOf(Buffer.from('BZh91AY&SY')), dest)).rejects.toThrow(/bzip2/);
  });

  /** A PAX header with raw-byte values (as Go writes them), then a file "x" with `body`, then end blocks. */
  const paxTar = (records: [string, Buffer | string][], body: string): Buffer => {
    const pax = encodePax(records);
    const b = Buffer.from(body);
    return Buffer.concat([
      encodeHeader({ name: 'PaxHeaders/x', mode: 0o644, uid: 0, gid: 0, size: pax.length, mtime: 0, typeflag: 'x' }),
      pax,
      Buffer.alloc(paddingFor(pax.length)),
      encodeHeader({ name: 'x', mode: 0o644, uid: 0, gid: 0, size: b.length, mtime: 1_600_000_000, typeflag: '0' }),
      b,
      Buffer.alloc(paddingFor(b.length)),
      Buffer.alloc(2 * BLOCK_SIZE),
    ]);
  };

  it('keeps binary PAX values byte for byte (xattrs, non-UTF-8 paths), and merges PAX uid and fractional mtime', async () => {
    const cap = Buffer.from('0100000280000000ff00000000000000000000c0', 'hex'); // not UTF-8
    const t = paxTar([['SCHILY.xattr.security.capability', cap], ['path', Buffer.from('caf\xe9', 'latin1')], ['uid', '300000'], ['mtime', '1600000000.5']], 'hi');
    await unpackLayer(streamOf(t, 7), dest);
    const p = Buffer.concat([Buffer.from(`${dest}/`), Buffer.from('caf\xe9', 'latin1')]);
    const st = fs.lstatSync(p);
    expect(st.uid).toBe(300000);
    expect(st.mtimeMs).toBe(1_600_000_000_500);
    expect(layerNative().lgetxattr(p, 'security.capability')).toEqual(cap);
  });

  it('ignores bytes after the end-of-archive block, and refuses a stream cut inside or right after a PAX header', async () => {
    const t = paxTar([['uid', '7']], 'hi');
    await unpackLayer(streamOf(Buffer.concat([t, Buffer.from('not a tar header at all')])), dest);
    expect(fs.readFileSync(path.join(dest, 'x'), 'utf8')).toBe('hi');
    for (const cut of [700, 1024]) {
      const d = path.join(work, `cut${cut}`);
      fs.mkdirSync(d);
      await expect(unpackLayer(streamOf(t.subarray(0, cut)), d)).rejects.toThrow(DataLossError);
    }
  });
});
