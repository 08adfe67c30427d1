import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TypeFlag, type TarEntry } from '@berth/image-store';
import { rootfsView, statContainerPath } from './container-archive';
import { ViewExtractor } from './view-extractor';

function file(name: string, size: number): TarEntry {
  return { name, linkname: '', typeflag: TypeFlag.File, mode: 0o644, uid: 0, gid: 0, size, mtime: 1_600_000_000, atime: undefined, devmajor: 0, devminor: 0, xattrs: undefined };
}

/** The fds of this process open on `p`. */
function fdsOn(p: string): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === p) n++;
    } catch {
      // closed meanwhile (the readdir's own fd)
    }
  }
  return n;
}

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-view-extractor-'));
  fs.mkdirSync(path.join(root, 'd'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** An extractor into the root of a view on `root`, and what to close after. */
function extractor(): { x: ViewExtractor; close(): void } {
  const view = rootfsView(root);
  const dest = statContainerPath(view, '/', 'c');
  const x = new ViewExtractor(view, dest.at, { readonlyRootfs: false, noOverwriteDirNonDir: false });
  return {
    x,
    close: () => {
      dest.close();
      view.close();
    },
  };
}

/** Small files d/f0, d/f1, ... until entry() makes one wait (the batch full while one is on the worker). */
function fillUntilWait(x: ViewExtractor): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    const r = x.entry(file(`d/f${i}`, 3));
    if (r !== undefined) return r;
    expect(x.data(Buffer.from('abc'))).toBeUndefined();
    expect(x.entryEnd()).toBeUndefined();
  }
  throw new Error('entry() never waited');
}

describe('ViewExtractor.abort while a call is in flight', () => {
  it('leaves no directory fd open when entry() waits for a full batch (queue)', async () => {
    const { x, close } = extractor();
    try {
      const dir = path.join(root, 'd');
      const waiting = fillUntilWait(x);
      waiting.catch(() => undefined);
      expect(fdsOn(dir)).toBeGreaterThan(0); // the cached parent
      await x.abort();
      await expect(waiting).rejects.toThrow();
      await new Promise((r) => setImmediate(r));
      expect(fdsOn(dir)).toBe(0);
    } finally {
      close();
    }
  });

  it('creates nothing after abort when entry() waits for the batches to be written (drain)', async () => {
    const { x, close } = extractor();
    try {
      const dir = path.join(root, 'd');
      expect(x.entry(file('d/a', 3))).toBeUndefined();
      x.data(Buffer.from('abc'));
      x.entryEnd(); // on the worker now
      const link: TarEntry = { ...file('d/b', 0), typeflag: TypeFlag.Link, linkname: 'd/a' };
      const waiting = x.entry(link);
      expect(waiting).toBeInstanceOf(Promise);
      (waiting as Promise<void>).catch(() => undefined);
      await x.abort();
      await expect(waiting).rejects.toThrow();
      await new Promise((r) => setImmediate(r));
      expect(fs.existsSync(path.join(dir, 'b'))).toBe(false);
      expect(fdsOn(dir)).toBe(0);
      // later calls are refused too
      expect(() => x.entry(file('d/c', 1))).toThrow();
    } finally {
      close();
    }
  });

  it('holds at most WRITE_CHUNKS pieces of a big file sent in 1-byte pieces (and writes it whole)', async () => {
    const { x, close } = extractor();
    try {
      const size = 1_100_000; // above SMALL_FILE (a batched file is copied, not held)
      expect(x.entry(file('d/big', size))).toBeUndefined();
      let most = 0;
      const one = Buffer.from('z');
      for (let i = 0; i < size; i++) {
        const r = x.data(one);
        most = Math.max(most, (x as unknown as { held: Buffer[] }).held.length);
        if (r !== undefined) await r;
      }
      await x.entryEnd();
      await x.finish();
      await x.abort();
      expect(most).toBeLessThanOrEqual(1024);
      expect(fs.readFileSync(path.join(root, 'd', 'big'))).toEqual(Buffer.alloc(size, 'z'));
    } finally {
      close();
    }
  });
});

describe('ViewExtractor batches of small files', () => {
  /** Feeds one entry (its data in one piece), waiting where the extractor makes it wait. */
  async function put(x: ViewExtractor, e: TarEntry, body?: Buffer): Promise<void> {
    await x.entry(e);
    if (body !== undefined && body.length > 0) await x.data(body);
    await x.entryEnd();
  }
  const dir = (name: string): TarEntry => ({ ...file(name, 0), typeflag: TypeFlag.Dir, mode: 0o755 });
  const bodyOf = (i: number): Buffer => Buffer.alloc(1 + ((i * 37) % 3000), `${i},`);

  it('1,200 files over several batches (arenas reused): each file has its own bytes', async () => {
    const { x, close } = extractor();
    try {
      for (let i = 0; i < 1200; i++) {
        if (i % 100 === 0) await put(x, dir(`m/d${i / 100}/`));
        await put(x, file(`m/d${Math.floor(i / 100)}/f${i}`, bodyOf(i).length), bodyOf(i));
      }
      await x.finish();
    } finally {
      await x.abort();
      close();
    }
    for (let i = 0; i < 1200; i++) expect(fs.readFileSync(path.join(root, 'm', `d${Math.floor(i / 100)}`, `f${i}`)).equals(bodyOf(i))).toBe(true);
  });

  it('an entry at, above or below a file still in a batch waits for it: the tar order is kept', async () => {
    const { x, close } = extractor();
    try {
      await put(x, file('d/a', 3), Buffer.from('one'));
      await put(x, dir('d/a/')); // replaces the file a batch still holds
      await put(x, file('d/a/b', 3), Buffer.from('two'));
      await put(x, file('e', 5), Buffer.from('three'));
      await put(x, file('e', 4), Buffer.from('four')); // the same name again, in the same batch
      await put(x, file('d/c', 1), Buffer.from('c'));
      await put(x, { ...dir('d/'), mode: 0o700 }); // a directory holding pending files: its mode after them
      await x.finish();
    } finally {
      await x.abort();
      close();
    }
    expect(fs.statSync(path.join(root, 'd', 'a')).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(root, 'd', 'a', 'b'), 'utf8')).toBe('two');
    expect(fs.readFileSync(path.join(root, 'e'), 'utf8')).toBe('four');
    expect(fs.readFileSync(path.join(root, 'd', 'c'), 'utf8')).toBe('c');
    expect(fs.statSync(path.join(root, 'd')).mode & 0o777).toBe(0o700);
  });
});
