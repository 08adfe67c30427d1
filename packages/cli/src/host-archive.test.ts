import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import * as tar from 'tar-stream';
import { extractTar, packPath } from './host-archive';

function tarOf(entries: { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; body?: string; linkname?: string; mode?: number }[]): Readable {
  const p = tar.pack();
  for (const e of entries) {
    if (e.type === undefined || e.type === 'file') p.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.body ?? '');
    else p.entry({ name: e.name, type: e.type, linkname: e.linkname, mode: e.mode ?? 0o755 });
  }
  p.finalize();
  return p as unknown as Readable;
}

async function entriesOf(r: Readable): Promise<string[]> {
  const ex = tar.extract();
  const names: string[] = [];
  ex.on('entry', (h, s, next) => {
    names.push(`${h.type} ${h.name} ${(h.mode ?? 0).toString(8)} ${h.uid}:${h.gid}${h.linkname ? ` -> ${h.linkname}` : ''}`);
    s.resume();
    s.on('end', next);
  });
  const done = new Promise<void>((r2) => ex.on('finish', () => r2()));
  r.pipe(ex);
  await done;
  return names;
}

describe('host archives (docker cp)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('extracts, renaming the first component', async () => {
    await extractTar(tarOf([{ name: 'd/', type: 'directory' }, { name: 'd/f.txt', body: 'hello' }, { name: 'd/link', type: 'symlink', linkname: 'f.txt' }]), dir, { from: 'd', to: 'newdir' });
    expect(fs.readFileSync(path.join(dir, 'newdir/f.txt'), 'utf8')).toBe('hello');
    expect(fs.readlinkSync(path.join(dir, 'newdir/link'))).toBe('f.txt');
  });

  it('refuses entries that escape, absolute paths, and writes through symlinks', async () => {
    await expect(extractTar(tarOf([{ name: '../evil', body: 'x' }]), dir)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(fs.existsSync(path.join(dir, '..', 'evil'))).toBe(false);
    await expect(extractTar(tarOf([{ name: 'a/../../evil2', body: 'x' }]), dir)).rejects.toBeInstanceOf(InvalidArgumentError);
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-outside-'));
    try {
      await expect(extractTar(tarOf([{ name: 'l', type: 'symlink', linkname: outside }, { name: 'l/pwned', body: 'x' }]), dir)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(fs.readdirSync(outside)).toEqual([]);
      await expect(extractTar(tarOf([{ name: 'h', type: 'link', linkname: '../../etc/passwd' }]), dir)).rejects.toBeInstanceOf(InvalidArgumentError);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('replaces a symlink at a file entry instead of writing through it', async () => {
    const outside = path.join(dir, 'outside.txt');
    fs.writeFileSync(outside, 'keep');
    fs.mkdirSync(path.join(dir, 'root'));
    fs.symlinkSync(outside, path.join(dir, 'root', 'f'));
    await extractTar(tarOf([{ name: 'f', body: 'new' }]), path.join(dir, 'root'));
    expect(fs.readFileSync(outside, 'utf8')).toBe('keep');
    expect(fs.readFileSync(path.join(dir, 'root', 'f'), 'utf8')).toBe('new');
  });

  it("packs like the docker CLI: entries under the given name, plain modes, the files' own uid/gid (0:0 here, as root), symlinks kept", async () => {
    fs.mkdirSync(path.join(dir, 'src/inner'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src/inner/n.txt'), 'n');
    fs.chmodSync(path.join(dir, 'src/inner/n.txt'), 0o644);
    fs.chmodSync(path.join(dir, 'src'), 0o755);
    fs.chmodSync(path.join(dir, 'src/inner'), 0o755);
    fs.symlinkSync('inner/n.txt', path.join(dir, 'src/l'));
    expect(await entriesOf(packPath(path.join(dir, 'src'), 'newdir'))).toEqual([
      'directory newdir 755 0:0',
      'directory newdir/inner 755 0:0',
      'file newdir/inner/n.txt 644 0:0',
      'symlink newdir/l 777 0:0 -> inner/n.txt',
    ]);
  });
});
