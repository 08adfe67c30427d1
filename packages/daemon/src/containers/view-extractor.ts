import * as fs from 'node:fs';
import { InvalidArgumentError } from '@berth/errdefs';
import { fsAt, type ResolvedPath, type RootView, type ViewMount } from '@berth/fs';
import { TypeFlag, type TarEntry, type TarSink } from '@berth/image-store';

const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
/** Files up to this size are collected and created with one native call (createFile). */
const SMALL_FILE = 1024 * 1024;

/** Where an entry goes (ViewExtractor.locate). `reused`: the parent is the cached directory fd, held until the next directory. */
interface Located {
  parent: number;
  name: Buffer;
  mount?: ViewMount;
  mountPoint: boolean;
  reused?: boolean;
  close(): void;
}

/** Docker's checks before writing at a resolved container path (`mount`: the one it lies in). */
export function checkWritable(mount: { rw: boolean } | undefined, readonlyRootfs: boolean): void {
  if (mount && !mount.rw) throw new InvalidArgumentError('mounted volume is marked read-only');
  if (!mount && readonlyRootfs) throw new InvalidArgumentError('container rootfs is marked read-only');
}

/**
 * Writes a `docker cp` tar into a directory of a container's view as it streams in (a TarSink
 * for image-store's readTar), with docker's Unpack rules (pkg/archive):
 * - names are cleaned (a leading `/` dropped); one that climbs out of the extraction directory
 *   is refused; the extraction directory itself (`.`) is skipped, its mode, owner and times kept;
 * - what is at a name is removed and replaced unless both are directories (then merged, the
 *   tar's mode, owner and times applied to it); with noOverwriteDirNonDir a directory never
 *   replaces a non-directory nor the other way round;
 * - missing parents are created 0755 root:root; existing ones are left as they are;
 * - `.wh.*` names are ordinary files (whiteouts mean something in image layers only);
 * - a relative symlink target that climbs out of the extraction directory is refused; a
 *   hardlink links to an earlier path in it;
 * - directory times are set at the end (writing into them changes them).
 * Every target is resolved in the kernel (RootView, parents created as it goes), and created or
 * replaced by one *at call on its parent's fd that never follows the last component: a process
 * in the container swapping a directory for a symlink meanwhile can only redirect a write to
 * somewhere else inside the container. Files are written from the stream straight into place.
 */
export class ViewExtractor implements TarSink {
  private fd = -1;
  private cur: TarEntry | undefined;
  private readonly dirs: { rel: Buffer; atime: number; mtime: number }[] = [];
  /** The parent directory of the last entry (entries come grouped by directory): its fd is reused. */
  private cached: { rel: string; fd: number; path: string; mount?: ViewMount } | undefined;
  /** A small file whose data is collected, to be created whole at entryEnd. */
  private small: { r: Located; comps: string[]; target: string; parts: Buffer[]; size: number } | undefined;

  constructor(
    private readonly view: RootView,
    /** The extraction directory, resolved and held open by the caller until finish(). */
    private readonly base: ResolvedPath,
    private readonly opts: { readonlyRootfs: boolean; noOverwriteDirNonDir: boolean },
  ) {}

  entry(e: TarEntry): void {
    this.cur = e;
    const comps = clean(e.name);
    if (comps === null) this.refuse(e, 'invalid entry name (it climbs out of the extraction directory)');
    if (comps.length === 0) return; // the extraction directory itself: kept as it is (docker)
    const rel = Buffer.from(comps.join('/'), 'latin1');
    const target = comps.join('/');
    const kind = kindOf(e);
    if (kind === undefined) this.refuse(e, `unhandled tar header type ${JSON.stringify(e.typeflag)}`);
    const r = this.locate(comps, rel);
    if (kind === 'file' && r.reused && e.size <= SMALL_FILE) {
      // a small file in a directory already resolved: created whole, in one native call, at entryEnd
      checkWritable(r.mount, this.opts.readonlyRootfs);
      this.small = { r, comps, target, parts: [], size: 0 };
      return;
    }
    try {
      this.place(e, r, comps, target, kind);
    } finally {
      r.close();
    }
  }

  /** Replaces what is at the entry's name as docker's Unpack does, then creates the entry there (a file: opened as this.fd). */
  private place(e: TarEntry, r: Located, comps: string[], target: string, kind: Kind): void {
    const native = fsAt();
    const rel = Buffer.from(comps.join('/'), 'latin1');
    const isDir = kind === 'dir';
    {
      checkWritable(r.mount, this.opts.readonlyRootfs);
      const st = native.lstatat(r.parent, r.name);
      const existingDir = st !== null && (st[0]! & S_IFMT) === S_IFDIR;
      if (r.mountPoint && !(isDir && existingDir)) this.refuse(e, 'cannot replace a mount point (device or resource busy)');
      if (st !== null) {
        if (this.opts.noOverwriteDirNonDir && existingDir && !isDir) {
          throw new InvalidArgumentError(`cannot overwrite directory "${shown(target)}" with non-directory "${shown(e.name)}"`);
        }
        if (this.opts.noOverwriteDirNonDir && !existingDir && isDir) {
          throw new InvalidArgumentError(`cannot overwrite non-directory "${shown(target)}" with directory "${shown(e.name)}"`);
        }
        if (!(existingDir && isDir)) native.removeAllAt(r.parent, r.name);
      }
      const { parent, name } = r;
      switch (kind) {
        case 'dir':
          if (!existingDir) native.mkdirat(parent, name, 0o700);
          this.meta(parent, name, e, false);
          this.dirs.push({ rel, atime: atimeOf(e), mtime: e.mtime });
          return;
        case 'file':
          this.fd = native.openat(parent, name, O_WRONLY | O_CREAT | O_EXCL, 0o600);
          return; // owner, mode and times at entryEnd, on the fd
        case 'symlink': {
          if (e.linkname === '') this.refuse(e, 'symlink without a target');
          if (!e.linkname.startsWith('/') && clean(`${comps.slice(0, -1).join('/')}/${e.linkname}`, true) === null) {
            this.refuse(e, `invalid symlink "${shown(e.name)}" -> "${shown(e.linkname)}"`);
          }
          native.symlinkat(Buffer.from(e.linkname, 'latin1'), parent, name);
          native.fchownat(parent, name, e.uid, e.gid);
          native.utimensat(parent, name, atimeOf(e), e.mtime);
          return;
        }
        case 'link': {
          const to = clean(e.linkname);
          if (to === null || to.length === 0) this.refuse(e, `invalid hardlink "${shown(e.name)}" -> "${shown(e.linkname)}"`);
          const t = this.view.resolveFrom(this.base, Buffer.from(to.join('/'), 'latin1'));
          try {
            if (t.fd < 0) this.refuse(e, `hardlink target "${shown(e.linkname)}" does not exist`);
            native.linkat(t.fd, '', parent, name);
          } finally {
            t.close();
          }
          this.meta(parent, name, e, true);
          return;
        }
        default: {
          const type = kind === 'char' ? S_IFCHR : kind === 'block' ? S_IFBLK : S_IFIFO;
          native.mknodat(parent, name, type | (e.mode & 0o777), e.devmajor, e.devminor);
          this.meta(parent, name, e, true);
        }
      }
    }
  }

  data(chunk: Buffer): void {
    const small = this.small;
    if (small !== undefined) {
      small.parts.push(chunk);
      small.size += chunk.length;
      return;
    }
    if (this.fd < 0) return;
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
  }

  entryEnd(): void {
    const e = this.cur;
    const small = this.small;
    if (small !== undefined && e !== undefined) {
      this.small = undefined;
      const data = small.parts.length === 1 ? small.parts[0]! : Buffer.concat(small.parts, small.size);
      const { parent, name } = small.r;
      if (fsAt().createFile(parent, name, data, e.uid, e.gid, e.mode & 0o7777, atimeOf(e), e.mtime)) {
        this.cur = undefined;
        return;
      }
      // something is there already: docker's rules for it, then the file is written as any other
      this.place(e, small.r, small.comps, small.target, 'file');
      this.data(data);
    }
    if (this.fd >= 0 && e !== undefined) {
      const fd = this.fd;
      this.fd = -1;
      try {
        fs.fchownSync(fd, e.uid, e.gid);
        fs.fchmodSync(fd, e.mode & 0o7777); // after chown: chown clears setuid/setgid
        fs.futimesSync(fd, atimeOf(e), e.mtime);
      } finally {
        fs.closeSync(fd);
      }
    }
    this.cur = undefined;
  }

  /** After the last entry: the directories of the tar get their times (docker does it last too). */
  finish(): void {
    this.dropCache();
    const native = fsAt();
    for (const d of this.dirs) {
      let r;
      try {
        r = this.view.resolveFrom(this.base, d.rel);
      } catch {
        continue; // gone or moved by the container meanwhile
      }
      try {
        if (r.fd >= 0 && r.parent >= 0) native.utimensat(r.parent, r.name, d.atime, d.mtime);
      } finally {
        r.close();
      }
    }
  }

  /**
   * Where an entry goes: its parent directory's fd and its name there. The parent is resolved in
   * the kernel (created if missing) once per directory and its fd kept for the entries after it
   * in the same directory (the fd holds the directory itself, wherever the container moves it:
   * still inside the container). A name that is a mount's destination is resolved in full.
   */
  private locate(comps: string[], rel: Buffer): Located {
    const parentRel = comps.slice(0, -1).join('/');
    const name = Buffer.from(comps[comps.length - 1]!, 'latin1');
    const c = this.cached;
    if (c !== undefined && c.rel === parentRel) {
      const path = `${c.path === '/' ? '' : c.path}/${name.toString('utf8')}`;
      if (!this.view.mounts.some((m) => m.destination === path)) {
        return { parent: c.fd, name, ...(c.mount ? { mount: c.mount } : {}), mountPoint: false, reused: true, close: () => undefined };
      }
    }
    const r = this.view.resolveFrom(this.base, rel, { mkdirParents: true });
    if (r.mountPoint || r.parent < 0) return r;
    this.dropCache();
    const fd = r.parent;
    this.cached = { rel: parentRel, fd, path: r.path.slice(0, r.path.lastIndexOf('/')) || '/', ...(r.mount ? { mount: r.mount } : {}) };
    if (r.fd >= 0) fs.closeSync(r.fd);
    return { parent: fd, name: r.name, ...(r.mount ? { mount: r.mount } : {}), mountPoint: false, reused: true, close: () => undefined };
  }

  private dropCache(): void {
    if (this.cached !== undefined) fs.closeSync(this.cached.fd);
    this.cached = undefined;
  }

  /** Releases what an interrupted entry holds. */
  abort(): void {
    this.small = undefined;
    this.dropCache();
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already failed
      }
      this.fd = -1;
    }
  }

  /** Owner, then mode (chown clears setuid/setgid), then times, on `name` in `parent`, never following it. */
  private meta(parent: number, name: Buffer, e: TarEntry, times: boolean): void {
    const native = fsAt();
    native.fchownat(parent, name, e.uid, e.gid);
    native.fchmodat(parent, name, e.mode & 0o7777);
    if (times) native.utimensat(parent, name, atimeOf(e), e.mtime);
  }

  private refuse(e: TarEntry, reason: string): never {
    throw new InvalidArgumentError(`archive entry "${shown(e.name)}": ${reason}`);
  }
}

type Kind = 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

function kindOf(e: TarEntry): Kind | undefined {
  switch (e.typeflag) {
    case TypeFlag.File:
    case TypeFlag.OldFile:
    case TypeFlag.Contiguous:
      return 'file';
    case TypeFlag.Dir:
      return 'dir';
    case TypeFlag.Symlink:
      return 'symlink';
    case TypeFlag.Link:
      return 'link';
    case TypeFlag.Char:
      return 'char';
    case TypeFlag.Block:
      return 'block';
    case TypeFlag.Fifo:
      return 'fifo';
    default:
      return undefined;
  }
}

/**
 * A tar name cleaned to its components (docker: path.Clean of the name without leading `/`);
 * null when it climbs above its start. `relative`: a link target resolved from the entry's
 * directory (already relative to the extraction directory).
 */
function clean(name: string, relative = false): string[] | null {
  const out: string[] = [];
  const p = relative ? name : name.replace(/^\/+/, '');
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}

function atimeOf(e: TarEntry): number {
  return e.atime !== undefined && e.atime > e.mtime ? e.atime : e.mtime;
}

/** A binary-string name as text for messages. */
function shown(bin: string): string {
  return Buffer.from(bin, 'latin1').toString('utf8');
}
