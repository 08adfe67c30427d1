import * as fs from 'node:fs';
import { InvalidArgumentError } from '@berth/errdefs';
import type { ResolvedLayerLimits } from './layer-limits';
import { baseOf, cleanEntryPath, parentOf, symlinkStaysInside } from './layer-path';
import { S_IFBLK, S_IFCHR, S_IFIFO, type LayerNative } from './native';
import { TypeFlag } from './tar-header';
import type { TarEntry, TarSink } from './tar-reader';
import { OPAQUE_XATTR, WHITEOUT_META_PREFIX, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './whiteout';

/** What we created at a path; the writer trusts only this map, never what a path resolves to. */
type Kind = 'dir' | 'file' | 'symlink' | 'other';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
/** Never follows or reuses what is there (libuv adds O_CLOEXEC itself). */
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/** Linux limits on an xattr's name and value (limits.h). */
const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;

interface PendingDir {
  atime: number;
  mtime: number;
}

/**
 * Turns tar entries into files under `root`, synchronously (each step is one cheap syscall, and
 * a layer is written by one writer). Safety rests on two rules:
 * - every path is cleaned lexically first (breakouts refused, absolute paths confined), and
 * - the writer remembers the kind of everything it created, so every parent of an entry is a
 *   directory it made itself: a path never passes through a symlink, and the last component is
 *   created with O_EXCL|O_NOFOLLOW, mknod, symlink or link, none of which follows a symlink.
 * `root` must be an empty directory that nobody else writes to while the layer is unpacked.
 */
export class LayerWriter implements TarSink {
  entries = 0;
  bytes = 0;
  private readonly kinds = new Map<string, Kind>([['', 'dir']]);
  /** Directory times, applied once everything is written (a later entry for the same directory wins). */
  private readonly dirs = new Map<string, PendingDir>();
  private fd = -1;
  private cur: TarEntry | undefined;
  private curAbs = '';

  constructor(
    private readonly root: string,
    private readonly limits: ResolvedLayerLimits,
    private readonly native: LayerNative,
  ) {}

  /** The name of the entry being written, for error messages. */
  get currentEntry(): string | undefined {
    return this.cur?.name;
  }

  entry(e: TarEntry): void {
    this.cur = e;
    if (++this.entries > this.limits.maxEntries) this.refuse(e, `more than ${this.limits.maxEntries} entries`);
    if (e.name.includes('\0') || e.linkname.includes('\0')) this.refuse(e, 'NUL byte in a name');
    const rel = cleanEntryPath(e.name);
    if (rel === null) this.refuse(e, 'path escapes the layer directory');
    if (Buffer.byteLength(rel) > this.limits.maxPathLength) this.refuse(e, `path longer than ${this.limits.maxPathLength} bytes`);
    if (Buffer.byteLength(e.linkname) > this.limits.maxPathLength) this.refuse(e, `link target longer than ${this.limits.maxPathLength} bytes`);

    const base = baseOf(rel);
    if (rel.includes(WHITEOUT_META_PREFIX) && base !== WHITEOUT_OPAQUE && isUnderWhiteoutMeta(rel)) {
      return; // aufs metadata (.wh..wh.plnk/..., .wh..wh.aufs): skipped, as Docker does
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.whiteout(e, rel, base);
      return;
    }
    switch (e.typeflag) {
      case TypeFlag.File:
      case TypeFlag.OldFile:
      case TypeFlag.Contiguous:
        return this.file(e, rel);
      case TypeFlag.Dir:
        return this.dir(e, rel);
      case TypeFlag.Symlink:
        return this.symlink(e, rel);
      case TypeFlag.Link:
        return this.hardlink(e, rel);
      case TypeFlag.Char:
      case TypeFlag.Block:
      case TypeFlag.Fifo:
        return this.special(e, rel);
      default:
        this.refuse(e, `unsupported tar entry type ${JSON.stringify(e.typeflag)}`);
    }
  }

  data(chunk: Buffer): void {
    if (this.fd < 0) return; // whiteout markers and the like: data is skipped
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
  }

  entryEnd(): void {
    const e = this.cur;
    if (this.fd >= 0 && e !== undefined) {
      const fd = this.fd;
      fs.fchownSync(fd, e.uid, e.gid);
      if (e.xattrs !== undefined) this.setXattrs(this.curAbs, e);
      fs.fchmodSync(fd, e.mode);
      fs.futimesSync(fd, atimeOf(e), e.mtime);
      this.fd = -1;
      fs.closeSync(fd);
    }
    this.cur = undefined;
  }

  /** After the last entry: directories get their mtimes now that their contents are written. */
  finish(): void {
    for (const [abs, d] of this.dirs) fs.lutimesSync(abs, d.atime, d.mtime);
  }

  /** Releases what an interrupted entry holds (the caller deletes the directory). */
  abort(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already failed; the directory is going away
      }
      this.fd = -1;
    }
  }

  // ---- entry kinds ----

  private file(e: TarEntry, rel: string): void {
    if (e.size > this.limits.maxEntrySize) this.refuse(e, `size ${e.size} exceeds the limit of ${this.limits.maxEntrySize} bytes`);
    this.bytes += e.size;
    if (this.bytes > this.limits.maxTotalSize) this.refuse(e, `layer content exceeds the limit of ${this.limits.maxTotalSize} bytes`);
    const abs = this.prepare(e, rel, 'file');
    this.fd = fs.openSync(abs, CREATE_FLAGS, 0o600);
    this.curAbs = abs;
    this.kinds.set(rel, 'file');
  }

  private dir(e: TarEntry, rel: string): void {
    const existing = this.kinds.get(rel);
    let abs: string;
    if (existing === 'dir') {
      abs = this.abs(rel);
    } else {
      abs = this.prepare(e, rel, 'dir');
      fs.mkdirSync(abs, 0o700);
      this.kinds.set(rel, 'dir');
    }
    fs.lchownSync(abs, e.uid, e.gid);
    if (e.xattrs !== undefined) this.setXattrs(abs, e);
    fs.chmodSync(abs, e.mode);
    this.dirs.set(abs, { atime: atimeOf(e), mtime: e.mtime });
  }

  private symlink(e: TarEntry, rel: string): void {
    if (e.linkname === '') this.refuse(e, 'symlink without a target');
    if (!symlinkStaysInside(rel, e.linkname)) this.refuse(e, `symlink target "${e.linkname}" escapes the layer directory`);
    const abs = this.prepare(e, rel, 'symlink');
    fs.symlinkSync(e.linkname, abs);
    this.kinds.set(rel, 'symlink');
    fs.lchownSync(abs, e.uid, e.gid);
    if (e.xattrs !== undefined) this.setXattrs(abs, e);
    fs.lutimesSync(abs, atimeOf(e), e.mtime);
  }

  private hardlink(e: TarEntry, rel: string): void {
    const target = cleanEntryPath(e.linkname);
    if (target === null) this.refuse(e, `hardlink target "${e.linkname}" escapes the layer directory`);
    const kind = this.kinds.get(target);
    if (kind === undefined) this.refuse(e, `hardlink target "${e.linkname}" is not an earlier entry of the layer`);
    if (kind === 'dir') this.refuse(e, `hardlink target "${e.linkname}" is a directory`);
    if (target === rel) this.refuse(e, 'hardlink to itself');
    const abs = this.prepare(e, rel, kind);
    fs.linkSync(this.abs(target), abs);
    this.kinds.set(rel, kind);
    // Like Docker: the header's metadata is applied (to the shared inode).
    fs.lchownSync(abs, e.uid, e.gid);
    if (e.xattrs !== undefined) this.setXattrs(abs, e);
    if (kind !== 'symlink') fs.chmodSync(abs, e.mode);
    fs.lutimesSync(abs, atimeOf(e), e.mtime);
  }

  private special(e: TarEntry, rel: string): void {
    const type = e.typeflag === TypeFlag.Char ? S_IFCHR : e.typeflag === TypeFlag.Block ? S_IFBLK : S_IFIFO;
    const abs = this.prepare(e, rel, 'other');
    this.native.mknod(abs, type | (e.mode & 0o777), e.devmajor, e.devminor);
    this.kinds.set(rel, 'other');
    fs.lchownSync(abs, e.uid, e.gid);
    if (e.xattrs !== undefined) this.setXattrs(abs, e);
    fs.chmodSync(abs, e.mode);
    fs.lutimesSync(abs, atimeOf(e), e.mtime);
  }

  /** `.wh..wh..opq` marks its directory opaque; `.wh.NAME` becomes a 0/0 character device NAME. */
  private whiteout(e: TarEntry, rel: string, base: string): void {
    const parent = parentOf(rel);
    if (base === WHITEOUT_OPAQUE) {
      this.ensureDir(e, parent);
      this.native.lsetxattr(this.abs(parent), OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') this.refuse(e, 'malformed whiteout');
    const target = parent === '' ? name : `${parent}/${name}`;
    const abs = this.prepare(e, target, 'other');
    this.native.mknod(abs, S_IFCHR, 0, 0);
    this.kinds.set(target, 'other');
    fs.lchownSync(abs, e.uid, e.gid);
  }

  // ---- helpers ----

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** Makes every parent of `rel` a directory of ours and clears the way for a new entry there. */
  private prepare(e: TarEntry, rel: string, kind: Kind): string {
    if (rel === '') this.refuse(e, 'the layer root must be a directory');
    this.ensureDir(e, parentOf(rel));
    const existing = this.kinds.get(rel);
    if (existing !== undefined) this.remove(rel, existing, kind);
    return this.abs(rel);
  }

  /** Creates `rel` and its missing parents as directories (0755, like Docker); refuses a non-directory on the way. */
  private ensureDir(e: TarEntry, rel: string): void {
    const k = this.kinds.get(rel);
    if (k === 'dir') return;
    if (k !== undefined) this.refuse(e, `"${rel}" is a ${k === 'symlink' ? 'symlink' : 'non-directory'} in the way`);
    this.ensureDir(e, parentOf(rel));
    fs.mkdirSync(this.abs(rel), 0o755);
    this.kinds.set(rel, 'dir');
  }

  /** An entry replaces what an earlier one put at the same path (a directory only by a non-directory). */
  private remove(rel: string, existing: Kind, next: Kind): void {
    const abs = this.abs(rel);
    if (existing === 'dir') {
      if (next === 'dir') return;
      fs.rmSync(abs, { recursive: true, force: true });
      const prefix = `${rel}/`;
      for (const k of this.kinds.keys()) if (k.startsWith(prefix)) this.kinds.delete(k);
      for (const d of this.dirs.keys()) if (d === abs || d.startsWith(`${abs}/`)) this.dirs.delete(d);
    } else {
      fs.unlinkSync(abs);
    }
    this.kinds.delete(rel);
  }

  private setXattrs(abs: string, e: TarEntry): void {
    for (const [name, value] of e.xattrs!) {
      // A layer must not forge overlayfs metadata (redirects, opaque dirs other than by .wh..wh..opq, metacopy).
      if (name.startsWith('trusted.overlay.')) continue;
      if (name === '' || name.includes('\0') || Buffer.byteLength(name) > XATTR_NAME_MAX) this.refuse(e, `bad xattr name ${JSON.stringify(name)}`);
      if (value.length > XATTR_SIZE_MAX) this.refuse(e, `xattr "${name}" larger than ${XATTR_SIZE_MAX} bytes`);
      try {
        this.native.lsetxattr(abs, name, value);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ENOTSUP' || code === 'EPERM') continue; // as Docker: the file system or namespace cannot hold it
        throw err;
      }
    }
  }

  private refuse(e: TarEntry, reason: string): never {
    throw new InvalidArgumentError(`layer entry "${e.name}": ${reason}`);
  }
}

function atimeOf(e: TarEntry): number {
  return e.atime !== undefined && e.atime > e.mtime ? e.atime : e.mtime;
}

/** Whether any component of `rel` is aufs metadata (`.wh..wh.*`, other than an opaque marker). */
function isUnderWhiteoutMeta(rel: string): boolean {
  return rel.split('/').some((c) => c.startsWith(WHITEOUT_META_PREFIX) && c !== WHITEOUT_OPAQUE);
}
