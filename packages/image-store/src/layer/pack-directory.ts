import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { BerthError, CancelledError, InternalError, InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { fdPath, fsAt } from '@berth/fs';
import * as tar from 'tar-stream';
import { displayName, fsPath, toBinary } from './layer-path';
import { layerNative, type LayerNative } from './native';
import { encodePax } from './pax-records';
import { exactOfNs, type ExactTime } from './tar-entry';
import { OPAQUE_XATTR, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './whiteout';

export type PackMode = 'rootfs' | 'overlay-diff';

export interface PackDirectoryOptions {
  /**
   * 'rootfs' (default): the tree as it is (for `docker export`; everything is included).
   * 'overlay-diff': the tree is an overlayfs upper dir: 0/0 character devices become `.wh.NAME`
   * entries and opaque directories (`trusted.overlay.opaque=y`) get a `.wh..wh..opq` entry (commit, build).
   */
  mode?: PackMode;
  signal?: AbortSignal;
  /**
   * Packs one member of the directory instead of its content (`docker cp` out): a name in it
   * (a file, symlink or directory tree, never followed), or `'.'` for the directory itself.
   * The member's entries are named from `as` (default: the member's name): `d/`, `d/f.txt`, or
   * just `f.txt` for a file. `as: ''` names the tree from the root: `/`, `/bin/`, `/bin/sh`
   * (what docker sends for `cp c:/`).
   */
  member?: string;
  as?: string;
  /**
   * Entries whose content is taken from another host path (a container's mounts met by
   * `docker cp`): entry name (as written, without a trailing `/`) → host path packed in its
   * place (a directory tree or a file). A name missing from its parent's listing is added.
   */
  substitutes?: ReadonlyMap<string, string>;
  /**
   * Packs for a copy (the volume copy-up, which Docker does with continuity's fs.CopyDir): every
   * xattr (trusted.*, security.*, user.*; symlinks' too) instead of only `security.capability`
   * and `user.*`, and each entry's mtime and atime with their nanoseconds in PAX records.
   */
  copy?: boolean;
}

const BATCH = 256 * 1024;
/**
 * A big file is read in chunks of this size, this many at a time (off the main thread). 1 MiB, not
 * 4: after small-file copies a 512 MiB copy-out with 4 MiB reads had 10-19 full mark-compacts (V8's
 * external-memory pressure) in 6 of 7 copies, with 1 MiB 6-9 in 3 of 7 and 0 in the rest.
 */
const READ_CHUNK = 1024 * 1024;
const READ_AHEAD = 2;
/** tar-stream writes 6 octal digits of uid/gid and cuts what does not fit: above, PAX carries them. */
const MAX_PLAIN_ID = 0o777777;
const MAX_PLAIN_SIZE = 0o77777777777;
/**
 * tar-stream replaces a mode of 0 by 0644/0755 (`if (!header.mode)`); a file type bit keeps a
 * 000 mode intact (tar-stream masks the header's mode with 07777).
 */
const S_IFREG = 0o100000;

type EntryType = 'file' | 'link' | 'symlink' | 'directory' | 'block-device' | 'character-device' | 'fifo';

/** One entry to write; names are binary strings (one char per byte). */
interface Entry {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** Exact mtime and atime (copy mode): written as PAX records. */
  times?: { atime: ExactTime; mtime: ExactTime };
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** Paths are binary strings (one char per byte), so names that are not UTF-8 are kept as they are. */
interface Frame {
  abs: string;
  rel: string;
  names: string[];
  i: number;
  /** The member frame: its one name is written as this. */
  as?: string;
  /** The listing of the packed directory itself (names written as they are). */
  top?: boolean;
  /** The directory's fd (abs is its /proc/self/fd path), closed when the frame is done. */
  fd?: number;
}

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

/**
 * Opens a directory to walk below it by fd: its entries are then named `/proc/self/fd/N/name`,
 * which the kernel resolves from the open directory itself, so a directory swapped for a symlink
 * after it was listed is never followed (what a container's process can do while `docker cp`
 * packs its files). Undefined when it is gone or no longer a directory.
 */
function openDir(abs: string, follow: boolean): number | undefined {
  try {
    return fs.openSync(fsPath(abs), O_RDONLY | O_DIRECTORY | (follow ? 0 : O_NOFOLLOW));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * Tars a directory tree as a stream: a sorted depth-first walk (Docker's order), names relative
 * to `dir` without a leading `./` (directories end in `/`), the root itself left out. A file with
 * several names becomes a file under the first name met and hardlinks under the others.
 * Ownership, permissions with setuid/setgid/sticky, mtimes (whole seconds), devices, fifos,
 * `security.capability` and `user.*` xattrs (PAX `SCHILY.xattr.*`) are kept (with `copy`: every
 * xattr, and mtimes and atimes with nanoseconds); long names, long
 * link targets, big ids and sizes go into PAX records. Sockets are skipped. A file that changes
 * size while it is read is cut or zero-padded to the size it had when listed.
 * Errors (including an aborted `signal`, as CancelledError) destroy the stream.
 */
export function packDirectory(dir: string, opts: PackDirectoryOptions = {}): Readable {
  return Readable.from(generateTar(dir, opts), { objectMode: false, highWaterMark: BATCH });
}

/** tar-stream's pack() writes the archive; the walk runs inside this generator, so files are read only as fast as the stream is. */
async function* generateTar(dir: string, opts: PackDirectoryOptions): AsyncGenerator<Buffer> {
  const mode = opts.mode ?? 'rootfs';
  const signal = opts.signal;
  const native = layerNative();
  const w = new PackWriter();
  const firstName = new Map<string, string>();
  /** copy: a file's xattrs and times as read for its first name (reading it since changed its atime), for its hardlinks. */
  const firstMeta = new Map<string, { xattrs: [string, Buffer][]; times: Entry['times'] }>();
  const root = toBinary(dir);
  let current = '';
  let fd: number | undefined; // a file opened for the entry being written
  let stack: Frame[] = [];
  try {
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new NotFoundError(`pack "${dir}": no such directory`);
    const subst = new Map<string, string>();
    const extra = new Map<string, string[]>(); // parent entry name → substituted names to list in it
    for (const [k, v] of opts.substitutes ?? []) {
      const name = toBinary(k);
      subst.set(name, toBinary(v));
      const cut = name.lastIndexOf('/');
      const parent = cut < 0 ? '' : name.slice(0, cut);
      extra.set(parent, [...(extra.get(parent) ?? []), name.slice(cut + 1)]);
    }
    const list = (abs: string, rel: string): string[] => {
      const names = listDir(abs, rel);
      const more = extra.get(rel);
      return more === undefined ? names : [...new Set([...names, ...more])].sort();
    };
    const rootFd = openDir(root, true);
    if (rootFd === undefined) throw new NotFoundError(`pack "${dir}": no such directory`);
    stack = [{ abs: fdPath(rootFd), rel: '', names: [], i: 0, top: true, fd: rootFd }];
    const top = stack[0]!;
    if (opts.member === undefined) {
      top.names = list(top.abs, '');
    } else {
      const member = toBinary(opts.member);
      if (member === '' || member === '..' || member.includes('/')) throw new InvalidArgumentError(`pack "${dir}": member "${opts.member}" is not a name in it`);
      const as = toBinary(opts.as ?? opts.member);
      if (!subst.has(as) && fs.lstatSync(fsPath(`${top.abs}/${member}`), { throwIfNoEntry: false }) === undefined) {
        throw new NotFoundError(`pack "${dir}": no member "${opts.member}"`);
      }
      top.names = [member];
      top.as = as;
      top.top = false;
    }
    while (stack.length > 0) {
      if (signal?.aborted) throw new CancelledError(`pack "${dir}": cancelled`);
      const f = stack[stack.length - 1]!;
      if (f.i >= f.names.length) {
        stack.pop();
        if (f.fd !== undefined) fs.closeSync(f.fd);
        continue;
      }
      const name = f.names[f.i++]!;
      const rel = f.as !== undefined ? f.as : f.top ? name : `${f.rel}/${name}`;
      const abs = subst.get(rel) ?? `${f.abs}/${name}`;
      const p = fsPath(abs);
      current = rel;
      if (f.fd !== undefined && f.as === undefined && !subst.has(rel)) {
        // the common case, a plain small file (one link, no xattrs): stat, open, read and close in one native call on the directory's fd
        const small = fsAt().readSmallFile(f.fd, Buffer.from(name, 'latin1'), BATCH);
        if (small !== null) {
          const [m, uid, gid, size, mtime, data, mtimeNsec, atime, atimeNsec] = small;
          const times = opts.copy ? { times: { atime: [atime, atimeNsec] as const, mtime: [mtime, mtimeNsec] as const } } : {};
          await w.buffer({ name: rel, type: 'file', mode: m & 0o7777, uid, gid, size, mtime, ...times }, data);
          if (w.out.size >= BATCH) yield w.out.take();
          continue;
        }
      }
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (st === undefined) continue; // gone since the directory was listed
      if (st.isSocket()) continue; // sockets cannot be archived
      const h: Entry = { name: rel, type: 'file', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000) };
      if (opts.copy) {
        const big = fs.lstatSync(p, { bigint: true, throwIfNoEntry: false });
        if (big !== undefined) h.times = { atime: exactOfNs(big.atimeNs), mtime: exactOfNs(big.mtimeNs) };
      }
      const xmode: XattrMode = opts.copy ? 'all' : mode;
      let xattrs: [string, Buffer][] = [];
      let opaque = false;
      if (st.isDirectory()) {
        h.type = 'directory';
        h.name = `${rel}/`; // the tree's root named '' (as '') is '/'
        xattrs = readXattrs(native, p, xmode);
        if (mode === 'overlay-diff') opaque = native.lgetxattr(p, OPAQUE_XATTR)?.toString() === 'y';
      } else if (mode === 'overlay-diff' && st.isCharacterDevice() && st.rdev === 0) {
        // an overlayfs whiteout (possibly sharing its inode with other whiteouts: never a hardlink)
        h.name = f.rel === '' ? `${WHITEOUT_PREFIX}${name}` : `${f.rel}/${WHITEOUT_PREFIX}${name}`;
        h.mode = 0o600;
      } else {
        const key = st.nlink > 1 ? inodeKey(p, st) : undefined;
        const first = key === undefined ? undefined : firstName.get(key);
        if (first !== undefined) {
          h.type = 'link';
          h.linkname = first;
          // a copy: the inode's xattrs again (the link entry's owner is set again, which clears security.capability)
          const meta = opts.copy ? firstMeta.get(key!) : undefined;
          if (meta !== undefined) {
            xattrs = meta.xattrs;
            if (meta.times !== undefined) h.times = meta.times;
          }
        } else {
          if (st.isFile()) {
            fd = openForRead(p);
            if (fd === undefined) continue; // gone (or replaced by a symlink) since it was listed
            h.size = st.size;
            xattrs = readXattrs(native, p, xmode);
          } else if (st.isSymbolicLink()) {
            h.type = 'symlink';
            h.linkname = fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1');
            if (opts.copy) xattrs = readXattrs(native, p, xmode);
          } else if (st.isCharacterDevice() || st.isBlockDevice()) {
            h.type = st.isCharacterDevice() ? 'character-device' : 'block-device';
            h.devmajor = devMajor(st.rdev);
            h.devminor = devMinor(st.rdev);
            xattrs = readXattrs(native, p, xmode);
          } else if (st.isFIFO()) {
            h.type = 'fifo';
            xattrs = readXattrs(native, p, xmode);
          } else {
            continue; // nothing else can be archived
          }
          if (key !== undefined) {
            firstName.set(key, rel);
            if (opts.copy) firstMeta.set(key, { xattrs, times: h.times });
          }
        }
      }
      if (fd !== undefined) {
        const opened = fd;
        fd = undefined;
        yield* w.file(h, xattrs, opened);
      } else {
        await w.entry(h, xattrs);
      }
      if (opaque) {
        await w.entry({ name: `${rel}/${WHITEOUT_OPAQUE}`, type: 'file', mode: h.mode & 0o777, uid: h.uid, gid: h.gid, size: 0, mtime: 0 }, []);
      }
      if (w.out.size >= BATCH) yield w.out.take();
      if (h.type === 'directory') {
        const dfd = openDir(abs, subst.has(rel));
        if (dfd === undefined) continue; // replaced since it was listed: its header stands for an empty directory
        stack.push({ abs: fdPath(dfd), rel, names: [], i: 0, fd: dfd });
        stack[stack.length - 1]!.names = list(fdPath(dfd), rel);
      }
    }
    yield await w.finalize();
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new InternalError(`pack "${dir}"${current === '' ? '' : ` entry "${displayName(current)}"`}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    for (const f of stack) if (f.fd !== undefined) fs.closeSync(f.fd);
    w.destroy();
  }
}

/**
 * tar-stream's pack() read synchronously after each entry (paused), so its output lands in `out`
 * in order and raw PAX records can be put in their place (see header()).
 */
class PackWriter {
  private readonly pack = tar.pack({ highWaterMark: 2 * READ_CHUNK } as Parameters<typeof tar.pack>[0]);
  readonly out = new Batch();
  private failure: Error | undefined;
  /** Bytes taken from pack so far, and bytes it will have put out for the entries given to it. */
  private emitted = 0;
  private expected = 0;

  constructor() {
    this.pack.on('error', (err: Error) => (this.failure ??= err));
  }

  /** A header-only entry (or an empty file). */
  async entry(h: Entry, xattrs: [string, Buffer][]): Promise<void> {
    const header = await this.header(h, xattrs);
    this.expected += 512;
    await this.run((cb) => (h.type === 'file' ? this.pack.entry(header, Buffer.alloc(0), cb) : this.pack.entry(header, cb)));
    this.drain();
  }

  /** A regular file read whole already (`data` is exactly h.size bytes). */
  async buffer(h: Entry, data: Buffer): Promise<void> {
    const header = await this.header(h, []);
    this.expected += 512 + h.size + ((512 - (h.size % 512)) % 512);
    await this.run((cb) => this.pack.entry(header, data, cb));
    this.drain();
  }

  /** A regular file: exactly `h.size` bytes (cut or zero-padded if the file changed: tar-stream fails the whole archive on a wrong size); closes fd. */
  async *file(h: Entry, xattrs: [string, Buffer][], fd: number): AsyncGenerator<Buffer> {
    const inflight: Promise<Buffer>[] = [];
    try {
      const size = h.size;
      const header = await this.header(h, xattrs);
      if (size <= BATCH) {
        const buf = Buffer.allocUnsafe(size);
        let off = 0;
        while (off < size) {
          const n = fs.readSync(fd, buf, off, size - off, null);
          if (n === 0) break;
          off += n;
        }
        buf.fill(0, off);
        this.expected += 512 + size + ((512 - (size % 512)) % 512);
        await this.run((cb) => this.pack.entry(header, buf, cb));
        this.drain();
        return;
      }
      this.expected += 512 + size + ((512 - (size % 512)) % 512);
      let done: Promise<void> | undefined;
      const sink = await new Promise<ReturnType<tar.Pack['entry']>>((resolve) => {
        done = this.run((cb) => resolve(this.pack.entry(header, cb)));
        done.catch(() => undefined); // awaited below; a pack destroyed mid-file (the reader went away) rejects it unawaited
      });
      // the data is read on libuv's worker threads, READ_AHEAD chunks in flight: the next is read while this one goes out
      let next = 0;
      const start = (): void => {
        const want = Math.min(READ_CHUNK, size - next);
        const p = readAt(fd, want, next);
        p.catch(() => undefined); // awaited in order below (or in finally)
        inflight.push(p);
        next += want;
      };
      while (next < size && inflight.length < READ_AHEAD) start();
      while (inflight.length > 0) {
        const part = await inflight.shift()!;
        if (next < size) start();
        const total = this.emitted + part.length;
        sink.write(part);
        await this.until(total); // streamx moves it into pack a few microtasks later
        if (this.out.size >= BATCH) yield this.out.take();
      }
      (sink as unknown as { end(): void }).end();
      await done;
      this.drain();
    } finally {
      await Promise.allSettled(inflight); // no read may still use the fd when it is closed
      fs.closeSync(fd);
    }
  }

  /** The end-of-archive blocks and whatever is left. */
  async finalize(): Promise<Buffer> {
    this.pack.finalize();
    for await (const c of this.pack as AsyncIterable<Buffer>) this.out.push(c);
    if (this.failure !== undefined) throw this.failure;
    return this.out.take();
  }

  /** Waits (a tick at a time) until pack has put out `total` bytes in all. */
  private async until(total: number): Promise<void> {
    this.drain();
    while (this.emitted < total) {
      if (this.failure !== undefined) throw this.failure;
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.drain();
    }
  }

  destroy(): void {
    this.pack.destroy();
  }

  private run(start: (cb: (err?: Error | null) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => start((err) => (err ? reject(err) : resolve())));
  }

  private drain(): void {
    const r = this.pack as unknown as { read(): Buffer | null };
    for (let c = r.read(); c !== null; c = r.read()) {
      this.out.push(c);
      this.emitted += c.length;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * The tar-stream header for an entry. What a ustar header cannot hold goes first into a PAX
   * extended header whose records are encoded here: tar-stream's own PAX writer takes strings
   * and writes them as UTF-8, but xattr values (`security.capability`) are binary and names need
   * not be UTF-8 (paths are binary strings here). tar-stream encodes the 'x' header itself; a
   * 'pax-header' entry takes no body in its pack(), so the records are put between that header
   * and its padding.
   */
  private async header(h: Entry, xattrs: [string, Buffer][]): Promise<tar.Header> {
  const pax: [string, Buffer | string][] = [];
  let name = h.name;
  let linkname = h.linkname;
  if (needsPax(name)) {
    pax.push(['path', fsPath(name)]);
    name = asciiStub(name);
  }
  if (linkname !== undefined && needsPax(linkname)) {
    pax.push(['linkpath', fsPath(linkname)]);
    linkname = asciiStub(linkname);
  }
  if (h.uid > MAX_PLAIN_ID) pax.push(['uid', String(h.uid)]);
  if (h.gid > MAX_PLAIN_ID) pax.push(['gid', String(h.gid)]);
  if (h.size > MAX_PLAIN_SIZE) pax.push(['size', String(h.size)]);
  let mtime = h.mtime;
  if (h.times !== undefined) {
    pax.push(['mtime', paxTimeText(h.times.mtime)], ['atime', paxTimeText(h.times.atime)]);
    mtime = h.times.mtime[0];
  }
  if (mtime < 0 || mtime > MAX_PLAIN_SIZE) {
    if (h.times === undefined) pax.push(['mtime', String(mtime)]);
    mtime = mtime < 0 ? 0 : MAX_PLAIN_SIZE;
  }
  for (const [k, v] of xattrs) pax.push([`SCHILY.xattr.${k}`, v]);
  if (pax.length > 0) {
    const data = encodePax(pax);
    const base = h.name.slice(h.name.lastIndexOf('/', h.name.length - 2) + 1);
    const paxHeader = { name: asciiStub(`PaxHeaders.0/${base}`), type: 'pax-header', mode: S_IFREG | 0o644, uid: 0, gid: 0, size: data.length, mtime: new Date(mtime * 1000) };
    await this.until(this.expected); // everything before it is in out
    await this.run((cb) => this.pack.entry(paxHeader as unknown as tar.Header, cb));
    const hp = await this.collect(512 + ((512 - (data.length % 512)) % 512)); // header block + padding
    this.out.push(hp.subarray(0, 512));
    this.out.push(data);
    this.out.push(hp.subarray(512));
  }
  return {
    name,
    type: h.type,
    mode: S_IFREG | h.mode,
    uid: Math.min(h.uid, MAX_PLAIN_ID),
    gid: Math.min(h.gid, MAX_PLAIN_ID),
    size: h.size,
    mtime: new Date(mtime * 1000),
    linkname: linkname ?? '',
    uname: '',
    gname: '',
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  };
  }

  /** Takes exactly the next `n` bytes pack puts out (not into out). */
  private async collect(n: number): Promise<Buffer> {
    const r = this.pack as unknown as { read(): Buffer | null };
    const parts: Buffer[] = [];
    let got = 0;
    for (;;) {
      for (let c = got < n ? r.read() : null; c !== null; c = got < n ? r.read() : null) {
        parts.push(c);
        got += c.length;
      }
      if (this.failure !== undefined) throw this.failure;
      if (got >= n) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const all = Buffer.concat(parts);
    if (all.length > n) throw new Error('tar-stream wrote more than the PAX header');
    this.emitted += n;
    this.expected += n;
    return all;
  }
}

/** The ustar-field stand-in for a name that goes into PAX: its first 100 bytes, plain ASCII. */
function asciiStub(s: string): string {
  // eslint-disable-next-line no-control-regex -- tar names are byte strings: 0x01-0x7f is the ASCII that ustar fields hold
  return s.slice(0, 100).replace(/[^\x01-\x7f]/g, '_');
}

/** Names as binary strings, sorted by bytes (Go's order). */
function listDir(abs: string, rel: string): string[] {
  try {
    return fs
      .readdirSync(fsPath(abs), { encoding: 'buffer' })
      .map((b) => b.toString('latin1'))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && rel !== '') return [];
    throw err;
  }
}

/** Opens a file to archive; undefined if it is gone or is no longer a regular file. */
function openForRead(abs: Buffer): number | undefined {
  try {
    return fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw err;
  }
}

/**
 * `want` bytes of a file from `pos`, read on a libuv worker thread; what the file no longer has
 * (it shrank since it was listed) is zeros.
 */
async function readAt(fd: number, want: number, pos: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(want);
  let off = 0;
  while (off < want) {
    const n = await new Promise<number>((resolve, reject) => fs.read(fd, buf, off, want - off, pos + off, (err, got) => (err ? reject(err) : resolve(got))));
    if (n === 0) break;
    off += n;
  }
  buf.fill(0, off);
  return buf;
}

/** A binary-string name that does not fit ustar: longer than 100 bytes, or not plain ASCII. */
function needsPax(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- tar names are byte strings: 0x01-0x7f is the ASCII that ustar fields hold
  return s.length > 100 || !/^[\x01-\x7f]*$/.test(s);
}

/** 'all' for a copy; else which tar it is. */
type XattrMode = PackMode | 'all';

/**
 * `security.capability` and `user.*` (Docker keeps the first; user xattrs are cheap to keep);
 * 'all': every one (a copy).
 */
function readXattrs(native: LayerNative, abs: Buffer, mode: XattrMode): [string, Buffer][] {
  const names = native.llistxattr(abs);
  if (names.length === 0) return [];
  const out: [string, Buffer][] = [];
  for (const name of names.sort()) {
    if (mode !== 'all' && name !== 'security.capability' && !name.startsWith('user.')) continue;
    if (mode === 'overlay-diff' && name.startsWith('user.overlay.')) continue; // userxattr overlay metadata
    const v = native.lgetxattr(abs, name);
    if (v !== null) out.push([name, v]);
  }
  return out;
}

/**
 * Every xattr of `path` (never following a symlink), by name: what a copy keeps (the volume
 * copy-up's root, as continuity's fs.CopyDir copies the directory's own).
 */
export function copiedXattrs(path: string | Buffer): [string, Buffer][] {
  return readXattrs(layerNative(), typeof path === 'string' ? fsPath(toBinary(path)) : path, 'all');
}

/** A PAX time with its nanoseconds, as Go's archive/tar writes it (`-1.5` is 1.5 s before 1970). */
function paxTimeText([sec, nsec]: ExactTime): string {
  if (nsec === 0) return String(sec);
  const text = sec < 0 ? `-${-(sec + 1)}.${String(1_000_000_000 - nsec).padStart(9, '0')}` : `${sec}.${String(nsec).padStart(9, '0')}`;
  return text.replace(/0+$/, '');
}

/** dev+inode; inode numbers past 2^53 (overlayfs xino puts bits up there) are read exactly. */
function inodeKey(abs: Buffer, st: fs.Stats): string {
  if (st.ino < Number.MAX_SAFE_INTEGER && st.dev < Number.MAX_SAFE_INTEGER) return `${st.dev}:${st.ino}`;
  const big = fs.lstatSync(abs, { bigint: true });
  return `${big.dev}:${big.ino}`;
}

function devMajor(rdev: number): number {
  const r = BigInt(rdev);
  return Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
}

function devMinor(rdev: number): number {
  const r = BigInt(rdev);
  return Number((r & 0xffn) | ((r >> 12n) & 0xfff00n));
}

/** Small buffers collected into one chunk, so a tree of tiny files is not a stream of tiny chunks. */
class Batch {
  private parts: Buffer[] = [];
  size = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }
  take(): Buffer {
    const b = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return b;
  }
}
