import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { BerthError, CancelledError, InternalError, NotFoundError } from '@berth/errdefs';
import { displayName, fsPath, toBinary } from './layer-path';
import { layerNative, type LayerNative } from './native';
import { BLOCK_SIZE, TypeFlag, encodeHeader, encodePax, paddingFor, type TarHeaderFields } from './tar-header';
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
}

const BATCH = 256 * 1024;
const READ_CHUNK = 1024 * 1024;
const ZERO_BLOCKS = Buffer.alloc(2 * BLOCK_SIZE);
/** tar-stream and older readers keep 6 octal digits of uid/gid; above, PAX carries them too. */
const MAX_PLAIN_ID = 0o777777;
const MAX_PLAIN_SIZE = 0o77777777777;

/** Paths are binary strings (one char per byte), so names that are not UTF-8 are kept as they are. */
interface Frame {
  abs: string;
  rel: string;
  names: string[];
  i: number;
}

/**
 * Tars a directory tree as a stream: a sorted depth-first walk (Docker's order), names relative
 * to `dir` without a leading `./` (directories end in `/`), the root itself left out. A file with
 * several names becomes a file under the first name met and hardlinks under the others.
 * Ownership, permissions with setuid/setgid/sticky, mtimes (whole seconds), devices, fifos,
 * `security.capability` and `user.*` xattrs (PAX `SCHILY.xattr.*`) are kept; long names, long
 * link targets, big ids and sizes go into PAX records. Sockets are skipped. A file that changes
 * size while it is read is cut or zero-padded to the size it had when listed.
 * Errors (including an aborted `signal`, as CancelledError) destroy the stream.
 */
export function packDirectory(dir: string, opts: PackDirectoryOptions = {}): Readable {
  return Readable.from(generateTar(dir, opts.mode ?? 'rootfs', opts.signal), { objectMode: false, highWaterMark: BATCH });
}

async function* generateTar(dir: string, mode: PackMode, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  const native = layerNative();
  const out = new Batch();
  const firstName = new Map<string, string>();
  const root = toBinary(dir);
  let current = '';
  let fd: number | undefined; // a file opened for the entry being written
  try {
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new NotFoundError(`pack "${dir}": no such directory`);
    const stack: Frame[] = [{ abs: root, rel: '', names: listDir(root, ''), i: 0 }];
    while (stack.length > 0) {
      if (signal?.aborted) throw new CancelledError(`pack "${dir}": cancelled`);
      const f = stack[stack.length - 1]!;
      if (f.i >= f.names.length) {
        stack.pop();
        continue;
      }
      const name = f.names[f.i++]!;
      const abs = `${f.abs}/${name}`;
      const p = fsPath(abs);
      const rel = f.rel === '' ? name : `${f.rel}/${name}`;
      current = rel;
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (st === undefined) continue; // gone since the directory was listed
      if (st.isSocket()) continue; // sockets cannot be archived
      const h: TarHeaderFields = { name: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000), typeflag: TypeFlag.File };
      let xattrs: [string, Buffer][] = [];
      let opaque = false;
      if (st.isDirectory()) {
        h.typeflag = TypeFlag.Dir;
        h.name = `${rel}/`;
        xattrs = readXattrs(native, p, mode);
        if (mode === 'overlay-diff') opaque = native.lgetxattr(p, OPAQUE_XATTR)?.toString() === 'y';
      } else if (mode === 'overlay-diff' && st.isCharacterDevice() && st.rdev === 0) {
        // an overlayfs whiteout (possibly sharing its inode with other whiteouts: never a hardlink)
        h.name = f.rel === '' ? `${WHITEOUT_PREFIX}${name}` : `${f.rel}/${WHITEOUT_PREFIX}${name}`;
        h.mode = 0o600;
      } else {
        const key = st.nlink > 1 ? inodeKey(p, st) : undefined;
        const first = key === undefined ? undefined : firstName.get(key);
        if (first !== undefined) {
          h.typeflag = TypeFlag.Link;
          h.linkname = first;
        } else {
          if (st.isFile()) {
            fd = openForRead(p);
            if (fd === undefined) continue; // gone (or replaced by a symlink) since it was listed
            h.size = st.size;
            xattrs = readXattrs(native, p, mode);
          } else if (st.isSymbolicLink()) {
            h.typeflag = TypeFlag.Symlink;
            h.linkname = fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1');
          } else if (st.isCharacterDevice() || st.isBlockDevice()) {
            h.typeflag = st.isCharacterDevice() ? TypeFlag.Char : TypeFlag.Block;
            h.devmajor = devMajor(st.rdev);
            h.devminor = devMinor(st.rdev);
            xattrs = readXattrs(native, p, mode);
          } else if (st.isFIFO()) {
            h.typeflag = TypeFlag.Fifo;
            xattrs = readXattrs(native, p, mode);
          } else {
            continue; // nothing else can be archived
          }
          if (key !== undefined) firstName.set(key, rel);
        }
      }
      writeHeader(out, h, xattrs);
      if (opaque) {
        writeHeader(out, { name: `${rel}/${WHITEOUT_OPAQUE}`, mode: h.mode & 0o777, uid: h.uid, gid: h.gid, size: 0, mtime: 0, typeflag: TypeFlag.File }, []);
      }
      if (fd !== undefined) {
        const opened = fd;
        fd = undefined;
        yield* fileContent(out, opened, h.size);
      }
      if (out.size >= BATCH) yield out.take();
      if (h.typeflag === TypeFlag.Dir) stack.push({ abs, rel, names: listDir(abs, rel), i: 0 });
    }
    out.push(ZERO_BLOCKS);
    yield out.take();
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new InternalError(`pack "${dir}"${current === '' ? '' : ` entry "${displayName(current)}"`}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
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

/** Reads exactly `size` bytes (cut or zero-padded if the file changed), then the block padding; closes fd. */
function* fileContent(out: Batch, fd: number, size: number): Generator<Buffer> {
  try {
    let left = size;
    if (size <= BATCH) {
      const buf = Buffer.allocUnsafe(size + paddingFor(size));
      let off = 0;
      while (off < size) {
        const n = fs.readSync(fd, buf, off, size - off, null);
        if (n === 0) break;
        off += n;
      }
      buf.fill(0, off);
      out.push(buf);
      return;
    }
    while (left > 0) {
      const want = Math.min(READ_CHUNK, left);
      const buf = Buffer.allocUnsafe(want);
      const n = fs.readSync(fd, buf, 0, want, null);
      if (n === 0) {
        out.push(Buffer.alloc(left));
        left = 0;
        break;
      }
      out.push(n === want ? buf : buf.subarray(0, n));
      left -= n;
      if (out.size >= BATCH) yield out.take();
    }
    const pad = paddingFor(size);
    if (pad > 0) out.push(Buffer.alloc(pad));
  } finally {
    fs.closeSync(fd);
  }
}

function writeHeader(out: Batch, h: TarHeaderFields, xattrs: [string, Buffer][]): void {
  const pax: [string, Buffer | string][] = [];
  if (needsPax(h.name)) {
    pax.push(['path', fsPath(h.name)]);
    h.name = h.name.slice(0, 100);
  }
  if (h.linkname !== undefined && needsPax(h.linkname)) {
    pax.push(['linkpath', fsPath(h.linkname)]);
    h.linkname = h.linkname.slice(0, 100);
  }
  if (h.uid > MAX_PLAIN_ID) pax.push(['uid', String(h.uid)]);
  if (h.gid > MAX_PLAIN_ID) pax.push(['gid', String(h.gid)]);
  if (h.size > MAX_PLAIN_SIZE) pax.push(['size', String(h.size)]);
  for (const [k, v] of xattrs) pax.push([`SCHILY.xattr.${k}`, v]);
  if (pax.length > 0) {
    const data = encodePax(pax);
    const base = h.name.slice(h.name.lastIndexOf('/', h.name.length - 2) + 1);
    out.push(encodeHeader({ name: `PaxHeaders.0/${base}`.slice(0, 100), mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: h.mtime, typeflag: TypeFlag.Pax }));
    out.push(data);
    const pad = paddingFor(data.length);
    if (pad > 0) out.push(Buffer.alloc(pad));
  }
  out.push(encodeHeader(h));
}

/** A binary-string name that does not fit ustar: longer than 100 bytes, or not plain ASCII. */
function needsPax(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return s.length > 100 || !/^[\x01-\x7f]*$/.test(s);
}

/** `security.capability` and `user.*` (Docker keeps the first; user xattrs are cheap to keep). */
function readXattrs(native: LayerNative, abs: Buffer, mode: PackMode): [string, Buffer][] {
  const names = native.llistxattr(abs);
  if (names.length === 0) return [];
  const out: [string, Buffer][] = [];
  for (const name of names.sort()) {
    if (name !== 'security.capability' && !name.startsWith('user.')) continue;
    if (mode === 'overlay-diff' && name.startsWith('user.overlay.')) continue; // userxattr overlay metadata
    const v = native.lgetxattr(abs, name);
    if (v !== null) out.push([name, v]);
  }
  return out;
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
