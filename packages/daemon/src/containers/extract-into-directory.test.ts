import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { rootfsView, statContainerPath } from './container-archive';
import { extractIntoDirectory } from './extract-into-directory';
import { ViewExtractor } from './view-extractor';
import { readTar } from '@berth/image-store';

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-extract-into-dir-'));
});

afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Debian's /etc (os-release -> ../usr/lib/os-release), a `..` name and a hardlink to a `..` target. */
function climbingTar(): tar.Pack {
  const pack = tar.pack();
  pack.entry({ name: 'os-release', type: 'symlink', linkname: '../usr/lib/os-release' });
  pack.entry({ name: 'deep/up', type: 'symlink', linkname: '../../../../host' });
  pack.entry({ name: '../above', mode: 0o644 }, 'above\n');
  pack.entry({ name: 'sub/../../twice', mode: 0o644 }, 'twice\n');
  pack.entry({ name: 'hard', type: 'link', linkname: '../above' });
  pack.finalize();
  return pack;
}

describe('extractIntoDirectory (the directory is the root: moby chrootarchive.Untar)', () => {
  it('keeps relative links climbing above it, and `..` names and hardlink targets at its root, as Unpack at / does', async () => {
    const dir = path.join(tmp, 'vol');
    fs.mkdirSync(dir);
    await extractIntoDirectory(Readable.from(climbingTar()), dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['above', 'deep', 'hard', 'os-release', 'twice']);
    expect(fs.readlinkSync(path.join(dir, 'os-release'))).toBe('../usr/lib/os-release');
    expect(fs.readlinkSync(path.join(dir, 'deep', 'up'))).toBe('../../../../host');
    expect(fs.readFileSync(path.join(dir, 'twice'), 'utf8')).toBe('twice\n');
    expect(fs.statSync(path.join(dir, 'hard')).ino).toBe(fs.statSync(path.join(dir, 'above')).ino);
    expect(fs.readdirSync(tmp)).toEqual(['vol']); // nothing above it
  });
});

describe('extractIntoDirectory: parents as moby Unpack finds them (chrooted at the directory)', () => {
  const untar = async (dir: string, add: (p: tar.Pack) => void): Promise<void> => {
    const pack = tar.pack();
    add(pack);
    pack.finalize();
    await extractIntoDirectory(Readable.from(pack), dir);
  };

  it.each([
    ['a file through an absolute link the tar made to nowhere', (p: tar.Pack) => p.entry({ name: 'l/x', mode: 0o644 }, 'x'), 'open /l/x: no such file or directory'],
    ['a directory through it', (p: tar.Pack) => p.entry({ name: 'l/d', type: 'directory', mode: 0o755 }), 'mkdir /l/d: no such file or directory'],
    ['a symlink through it', (p: tar.Pack) => p.entry({ name: 'l/s', type: 'symlink', linkname: '/t' }), 'symlink /t /l/s: no such file or directory'],
    ['a file deeper below it (MkdirAll of the parent meets the link)', (p: tar.Pack) => p.entry({ name: 'l/sub/x', mode: 0o644 }, 'x'), 'mkdir /l: file exists'],
  ])('fails %s, as Docker (where berth made the missing target)', async (_what, add, message) => {
    const dir = path.join(tmp, 'dest');
    fs.mkdirSync(dir);
    await expect(
      untar(dir, (p) => {
        p.entry({ name: 'l', type: 'symlink', linkname: '/etc' });
        add(p);
      }),
    ).rejects.toThrow(message);
    expect(fs.existsSync(path.join(dir, 'etc'))).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual(['dest']);
  });

  it('goes through a link the tar made to a directory that exists (inside the directory), and makes missing parents', async () => {
    const dir = path.join(tmp, 'dest');
    fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
    await untar(dir, (p) => {
      p.entry({ name: 'l', type: 'symlink', linkname: '/etc' });
      p.entry({ name: 'l/x', mode: 0o644 }, 'through\n');
      p.entry({ name: 'l/a/b/y', mode: 0o644 }, 'deep\n');
      p.entry({ name: 'new/dir/z', mode: 0o644 }, 'made\n');
    });
    expect(fs.readFileSync(path.join(dir, 'etc', 'x'), 'utf8')).toBe('through\n');
    expect(fs.readFileSync(path.join(dir, 'etc', 'a', 'b', 'y'), 'utf8')).toBe('deep\n');
    expect(fs.readFileSync(path.join(dir, 'new', 'dir', 'z'), 'utf8')).toBe('made\n');
    expect((fs.statSync(path.join(dir, 'new')).mode & 0o7777).toString(8)).toBe('755');
  });
});

describe('ViewExtractor without extractDirIsRoot (docker cp: moby UntarWithRoot)', () => {
  it.each([
    ['a relative symlink climbing out', (p: tar.Pack) => p.entry({ name: 'os-release', type: 'symlink', linkname: '../usr/lib/os-release' }), 'invalid symlink'],
    ['a name climbing out', (p: tar.Pack) => p.entry({ name: '../above', mode: 0o644 }, 'x'), 'climbs out'],
    ['a hardlink target climbing out', (p: tar.Pack) => p.entry({ name: 'hard', type: 'link', linkname: '../above' }), 'invalid hardlink'],
  ])('still refuses %s', async (_what, add, refusal) => {
    fs.mkdirSync(path.join(tmp, 'c', 'dest'), { recursive: true });
    const view = rootfsView(path.join(tmp, 'c'));
    const dest = statContainerPath(view, '/dest', 'c');
    try {
      const sink = new ViewExtractor(view, dest.at, { readonlyRootfs: false, noOverwriteDirNonDir: false });
      const pack = tar.pack();
      add(pack);
      pack.finalize();
      try {
        await expect(readTar(Readable.from(pack), sink).then(() => sink.finish())).rejects.toThrow(refusal);
      } finally {
        await sink.abort();
      }
    } finally {
      dest.close();
      view.close();
    }
  });
});
