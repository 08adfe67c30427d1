import * as fs from 'node:fs';
import { CancelledError, InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { BATCH_FIELDS, fsAt, type ResolvedPath, type RootView, type ViewMount } from '@berth/fs';
import { TypeFlag, deviceEntrySkipped, entryTimes, mknodIgnorable, runningInUserNs, xattrIgnorable, xattrsToApply, type TarEntry, type TarSink } from '@berth/image-store';

const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
/** Files up to this size are collected in a batch and created by one native call (createFiles) on a worker thread. */
const SMALL_FILE = 1024 * 1024;
/** A batch holds up to this many files, or this many bytes of names and data (more for one bigger file). */
const BATCH_FILES = 1024;
const BATCH_BYTES = 1024 * 1024;
/**
 * A file at least this big is written in writes of about this size on a worker thread, one at a
 * time: the tar's chunks as they came (writev), held until this much is there. Small enough for
 * the chunks to still be in the CPU's cache when the kernel copies them: 4 MiB writes cost more
 * CPU here (the kernel's copy into the page cache then reads cold memory).
 */
const WRITE_BYTES = 256 * 1024;
/** ...or this many chunks (a client sending tiny pieces would make the held list long: writev takes up to IOV_MAX, 1024). */
const WRITE_CHUNKS = 1024;

/** A small file waiting in a batch (its name and data are in the batch's arena). */
interface Pending {
  e: TarEntry;
  parent: number;
  nameOff: number;
  nameLen: number;
  target: string;
  /** The target's parent directory (relative), `''` for the extraction directory. */
  dir: string;
  dataOff: number;
}

/**
 * Small files written by one createFiles call on a libuv worker thread while the tar parse goes
 * on: their parent directory fds stay open (closeAfter) and meta/arena untouched until it is done.
 */
interface Batch {
  meta: Float64Array;
  arena: Buffer;
  used: number;
  items: Pending[];
  closeAfter: number[];
  /** The relative paths of its files, and their parent directories (`''` the extraction directory). */
  names: Set<string>;
  dirs: Set<string>;
  /** The last directory added to `dirs` (files come grouped by directory). */
  lastDir: string | undefined;
}

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
 * With `extractDirIsRoot` the extraction directory is the root of everything the tar can reach
 * (moby's chrootarchive.Untar chrooted into its destination, where Unpack's extractDir is `/`:
 * Docker's build ADD, and what a volume copy-up must accept): nothing climbs out of `/`, so a
 * `..` in a name or a hardlink target stops at the root, and a relative symlink target is not
 * checked (RootView keeps any later resolution of it inside the root). `docker cp` keeps the
 * refusals (moby's UntarWithRoot into a directory of the container).
 * Every target is resolved in the kernel (RootView, parents created as it goes), and created or
 * replaced by one *at call on its parent's fd that never follows the last component: a process
 * in the container swapping a directory for a symlink meanwhile can only redirect a write to
 * somewhere else inside the container. Files are written from the stream straight into place.
 */
export class ViewExtractor implements TarSink {
  private fd = -1;
  /**
   * A big file's data (WRITE_BYTES or more): its chunks are held (`held`, `heldBytes` bytes) until
   * there are WRITE_BYTES, then written by one writev on a worker thread while the next ones
   * gather (at most one write in flight: no copy, and at most about 2 x WRITE_BYTES held).
   */
  private big = false;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private writing: Promise<void> | undefined;
  private cur: TarEntry | undefined;
  private readonly dirs: { rel: Buffer; e: TarEntry }[] = [];
  /** The parent directory of the last entry (entries come grouped by directory): its fd is reused. */
  private cached: { rel: string; fd: number; path: string; mount?: ViewMount; mountNames: Set<string> } | undefined;
  /** The small file whose data is being copied into the batch being filled: its arena, next free byte there, end. */
  private smallArena: Buffer | undefined;
  private smallAt = 0;
  private smallEnd = 0;
  /** The batch being filled, and the one being written on the worker thread (at most one). */
  private fill: Batch | undefined;
  private flight: { batch: Batch; done: Promise<void> } | undefined;
  /**
   * A written batch kept for the next one (its arena and meta reused): a new 1 MiB arena per
   * batch was ~100 MiB of short-lived external memory per 20,000 small files, which V8 answers
   * with full mark-compacts.
   */
  private spare: Batch | undefined;
  /** A batch's failure, thrown at the next entry (or finish). */
  private failed: unknown;
  /**
   * Set by cancel() or abort(): the continuation of a call still in flight (waiting for a batch)
   * throws instead of going on, so nothing is created and no batch made after the failure.
   */
  private aborted = false;

  constructor(
    private readonly view: RootView,
    /** The extraction directory, resolved and held open by the caller until finish(). */
    private readonly base: ResolvedPath,
    /** atimeAsIs: the tar's atime kept as it is (a copy), not raised to the mtime as Docker's Unpack does. */
    private readonly opts: { readonlyRootfs: boolean; noOverwriteDirNonDir: boolean; extractDirIsRoot?: boolean; atimeAsIs?: boolean },
  ) {}

  /**
   * Small files go into a batch (written on a worker thread while the next entries are parsed);
   * anything that could depend on a file still in a batch (a hardlink, a name at or below one,
   * a directory holding some) waits until the batches are written, so the result is the order
   * of the tar. A promise: the entry's data is held until it settles.
   */
  entry(e: TarEntry): void | Promise<void> {
    this.throwIfAborted();
    if (this.failed !== undefined) throw this.failed;
    this.cur = e;
    const comps = clean(e.name, false, this.opts.extractDirIsRoot);
    if (comps === null) this.refuse(e, 'invalid entry name (it climbs out of the extraction directory)');
    if (comps.length === 0) return; // the extraction directory itself: kept as it is (docker)
    const target = comps.length === 1 ? comps[0]! : comps.join('/');
    const dir = comps.length === 1 ? '' : target.slice(0, target.length - comps[comps.length - 1]!.length - 1);
    const kind = kindOf(e);
    if (kind === undefined) this.refuse(e, `unhandled tar header type ${JSON.stringify(e.typeflag)}`);
    if (this.busy()) {
      const batchable = kind === 'file' && e.size <= SMALL_FILE && e.xattrs === undefined;
      if (kind === 'link' || (this.cached?.rel !== dir && this.pendingAbove(dir)) || (!batchable && this.touchesPending(target))) {
        return this.drain().then(() => {
          this.throwIfAborted();
          return this.enter(e, comps, target, dir, kind);
        });
      }
    }
    return this.enter(e, comps, target, dir, kind);
  }

  private enter(e: TarEntry, comps: string[], target: string, dir: string, kind: Kind): void | Promise<void> {
    const batchable = kind === 'file' && e.size <= SMALL_FILE && e.xattrs === undefined;
    const c = this.cached;
    if (batchable && c !== undefined && c.rel === dir) {
      // the most common case (the next small file of the same directory): what locate() would say, without its objects
      const last = comps[comps.length - 1]!;
      if (c.mountNames.size === 0 || !c.mountNames.has(last)) {
        checkWritable(c.mount, this.opts.readonlyRootfs);
        return this.queue(e, c.fd, last, target, dir);
      }
    }
    const r = this.locate(comps, target, dir, e, kind);
    if (batchable && r.reused) {
      checkWritable(r.mount, this.opts.readonlyRootfs);
      return this.queue(e, r.parent, r.name, target, dir);
    }
    try {
      this.fd = this.place(e, r, comps, target, kind);
      this.big = this.fd >= 0 && e.size >= WRITE_BYTES;
    } finally {
      r.close();
    }
  }

  /**
   * Adds a small file to the batch being filled (its data copied in by data()); a full batch is
   * handed to the worker first. `name`: in `parent`, a Buffer or a binary string (one byte a char).
   */
  private queue(e: TarEntry, parent: number, name: Buffer | string, target: string, dir: string): void | Promise<void> {
    this.throwIfAborted(); // (a continuation after a full batch)
    const nameLen = name.length;
    const need = nameLen + e.size;
    const b0 = this.fill;
    if (b0 !== undefined && (b0.items.length >= BATCH_FILES || b0.used + need > b0.arena.length)) {
      if (this.flight !== undefined) return this.flight.done.then(() => this.queue(e, parent, name, target, dir));
      this.submit();
    }
    const b = (this.fill ??= this.newBatch(need));
    const nameOff = b.used;
    if (typeof name === 'string') b.arena.write(name, nameOff, nameLen, 'latin1');
    else name.copy(b.arena, nameOff);
    const dataOff = nameOff + nameLen;
    b.used = dataOff + e.size;
    const m = b.items.length * BATCH_FIELDS;
    const meta = b.meta;
    meta[m] = parent;
    meta[m + 1] = nameOff;
    meta[m + 2] = nameLen;
    meta[m + 3] = dataOff;
    meta[m + 4] = e.size;
    meta[m + 5] = e.uid;
    meta[m + 6] = e.gid;
    meta[m + 7] = e.mode & 0o7777;
    meta[m + 8] = atimeOf(e);
    meta[m + 9] = e.mtime;
    b.items.push({ e, parent, nameOff, nameLen, target, dir, dataOff });
    b.names.add(target);
    if (b.lastDir !== dir) {
      b.dirs.add(dir);
      b.lastDir = dir;
    }
    this.smallArena = b.arena;
    this.smallAt = dataOff;
    this.smallEnd = dataOff + e.size;
  }

  /** An empty batch whose arena holds at least `need` bytes (the spare one when it does). */
  private newBatch(need: number): Batch {
    const b = this.spare;
    this.spare = undefined;
    if (b !== undefined && b.arena.length >= need) return b;
    return {
      meta: new Float64Array(BATCH_FILES * BATCH_FIELDS),
      arena: Buffer.allocUnsafe(Math.max(BATCH_BYTES, need)),
      used: 0,
      items: [],
      closeAfter: [],
      names: new Set(),
      dirs: new Set(),
      lastDir: undefined,
    };
  }

  /** Hands the batch being filled to the worker thread. */
  private submit(): void {
    const b = this.fill;
    if (b === undefined) return;
    this.fill = undefined;
    const done = this.write(b);
    done.catch(() => undefined); // kept in `failed` and thrown at the next entry or finish
    this.flight = { batch: b, done };
  }

  /** Writes a batch on the worker; a name that exists gets docker's replace rules here, then the rest goes on. */
  private async write(b: Batch): Promise<void> {
    const native = fsAt();
    const count = b.items.length;
    try {
      let stop = await native.createFiles(b.meta, b.arena, count, 0, true);
      while (stop < count) {
        const p = b.items[stop]!;
        const r: Located = { parent: p.parent, name: b.arena.subarray(p.nameOff, p.nameOff + p.nameLen), mountPoint: false, close: noClose };
        const fd = this.place(p.e, r, p.target.split('/'), p.target, 'file');
        writeAll(fd, b.arena.subarray(p.dataOff, p.dataOff + p.e.size));
        this.fileMeta(fd, p.e);
        stop = native.createFiles(b.meta, b.arena, count, stop + 1, false);
      }
      // the batch's times are numbers of seconds: nanoseconds the tar gave are set again, exactly
      for (const p of b.items) if (this.inexact(p.e)) this.times(p.parent, b.arena.subarray(p.nameOff, p.nameOff + p.nameLen), p.e);
    } catch (err) {
      this.failed ??= err;
      throw err;
    } finally {
      for (const fd of b.closeAfter) fs.closeSync(fd);
      if (this.flight?.batch === b) this.flight = undefined;
      // kept for the next batch once nothing refers to it (a failed one is dropped)
      b.used = 0;
      b.items = [];
      b.closeAfter = [];
      b.names.clear();
      b.dirs.clear();
      b.lastDir = undefined;
      if (this.failed === undefined && !this.aborted) this.spare = b;
    }
  }

  private busy(): boolean {
    return this.fill !== undefined || this.flight !== undefined;
  }

  /** Until every batch is written (the one being filled handed over first). */
  private async drain(): Promise<void> {
    for (;;) {
      if (this.flight !== undefined) await this.flight.done;
      else if (this.fill !== undefined) this.submit();
      else break;
    }
    if (this.failed !== undefined) throw this.failed;
  }

  /** The batches not yet written: the one being filled and the one on the worker. */
  private pendingBatches(): Batch[] {
    const out: Batch[] = [];
    if (this.fill !== undefined) out.push(this.fill);
    if (this.flight !== undefined) out.push(this.flight.batch);
    return out;
  }

  /** Whether `p` or a directory above it is a file still in a batch. */
  private pendingAbove(p: string): boolean {
    const batches = this.pendingBatches();
    for (let i = p.length; i > 0; i = p.lastIndexOf('/', i - 1)) {
      const q = p.slice(0, i);
      for (const b of batches) if (b.names.has(q)) return true;
    }
    return false;
  }

  /** Whether replacing or changing `target` could touch a file still in a batch (at, above or below it). */
  private touchesPending(target: string): boolean {
    if (this.pendingAbove(target)) return true;
    const below = `${target}/`;
    for (const b of this.pendingBatches()) {
      for (const d of b.dirs) if (d === target || d.startsWith(below)) return true;
    }
    return false;
  }

  /** Replaces what is at the entry's name as docker's Unpack does, then creates the entry there (a file: returns its fd, else -1). */
  private place(e: TarEntry, r: Located, comps: string[], target: string, kind: Kind): number {
    const native = fsAt();
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
          this.dirs.push({ rel: Buffer.from(target, 'latin1'), e });
          return -1;
        case 'file':
          return native.openat(parent, name, O_WRONLY | O_CREAT | O_EXCL, 0o600); // owner, mode and times at entryEnd, on the fd
        case 'symlink': {
          if (e.linkname === '') this.refuse(e, 'symlink without a target');
          if (!this.opts.extractDirIsRoot && !e.linkname.startsWith('/') && clean(`${comps.slice(0, -1).join('/')}/${e.linkname}`, true) === null) {
            this.refuse(e, `invalid symlink "${shown(e.name)}" -> "${shown(e.linkname)}"`);
          }
          native.symlinkat(Buffer.from(e.linkname, 'latin1'), parent, name);
          native.fchownat(parent, name, e.uid, e.gid);
          this.xattrs(parent, name, e);
          this.times(parent, name, e);
          return -1;
        }
        case 'link': {
          const to = clean(e.linkname, false, this.opts.extractDirIsRoot);
          if (to === null || to.length === 0) this.refuse(e, `invalid hardlink "${shown(e.name)}" -> "${shown(e.linkname)}"`);
          const t = this.view.resolveFrom(this.base, Buffer.from(to.join('/'), 'latin1'));
          try {
            if (t.fd < 0) this.refuse(e, `hardlink target "${shown(e.linkname)}" does not exist`);
            native.linkat(t.fd, '', parent, name);
          } finally {
            t.close();
          }
          this.meta(parent, name, e, true);
          return -1;
        }
        default: {
          const type = kind === 'char' ? S_IFCHR : kind === 'block' ? S_IFBLK : S_IFIFO;
          if (deviceEntrySkipped(e, runningInUserNs())) return -1; // what was there is gone, as in Docker's Unpack
          try {
            native.mknodat(parent, name, type | (e.mode & 0o777), e.devmajor, e.devminor);
          } catch (err) {
            if (mknodIgnorable(err, runningInUserNs())) return -1;
            throw err;
          }
          this.meta(parent, name, e, true);
          return -1;
        }
      }
    }
  }

  /**
   * A file's data: a small file's is copied into its batch; a big file's chunks are held (see
   * `big`), a promise returned when WRITE_BYTES more are there while a write is in flight: the
   * tar is read on once it is done (the request's backpressure). Others are written as they come.
   */
  data(chunk: Buffer): void | Promise<void> {
    const arena = this.smallArena;
    if (arena !== undefined) {
      const n = Math.min(chunk.length, this.smallEnd - this.smallAt);
      chunk.copy(arena, this.smallAt, 0, n);
      this.smallAt += n;
      return;
    }
    if (this.fd < 0) return;
    if (!this.big) {
      writeAll(this.fd, chunk);
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < WRITE_BYTES && this.held.length < WRITE_CHUNKS) return;
    // the tar is read on once the write in flight is done (the request's backpressure)
    if (this.writing !== undefined) return this.writing.then(() => this.flush());
    this.flush();
  }

  /** Writes the held chunks on a worker thread (none may be in flight). */
  private flush(): void {
    this.throwIfAborted(); // (a continuation after the write in flight)
    if (this.heldBytes === 0) return;
    const data = this.held;
    this.held = [];
    this.heldBytes = 0;
    const w: Promise<void> = writevAllAsync(this.fd, data).finally(() => {
      if (this.writing === w) this.writing = undefined;
    });
    w.catch(() => undefined); // thrown where it is awaited: the next data() or entryEnd()
    this.writing = w;
  }

  entryEnd(): void | Promise<void> {
    const e = this.cur;
    this.cur = undefined;
    if (this.smallArena !== undefined) {
      this.smallArena.fill(0, this.smallAt, this.smallEnd); // (tar-stream hands over exactly size bytes)
      this.smallArena = undefined;
      // the worker is idle: give it what is there
      if (this.flight === undefined) this.submit();
      return;
    }
    if (this.fd < 0 || e === undefined) return;
    const fd = this.fd;
    if (!this.big) {
      this.fd = -1;
      this.fileMeta(fd, e);
      return;
    }
    const last = async (): Promise<void> => {
      try {
        await this.writing;
        this.flush();
        await this.writing;
        this.throwIfAborted(); // this.fd is abort()'s to close
      } catch (err) {
        if (this.aborted) throw err;
        this.fd = -1;
        this.big = false;
        fs.closeSync(fd);
        throw err;
      }
      this.fd = -1;
      this.big = false;
      this.fileMeta(fd, e);
    };
    return last();
  }

  /** After the last entry: the batches written, then the directories of the tar get their times (docker does it last too). */
  async finish(): Promise<void> {
    await this.drain();
    this.dropCache();
    for (const d of this.dirs) {
      let r;
      try {
        r = this.view.resolveFrom(this.base, d.rel);
      } catch {
        continue; // gone or moved by the container meanwhile
      }
      try {
        if (r.fd >= 0 && r.parent >= 0) this.times(r.parent, r.name, d.e);
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
  private locate(comps: string[], target: string, dir: string, e: TarEntry, kind: Kind): Located {
    const last = comps[comps.length - 1]!;
    const c = this.cached;
    if (c !== undefined && c.rel === dir && !c.mountNames.has(last)) {
      return { parent: c.fd, name: Buffer.from(last, 'latin1'), ...(c.mount ? { mount: c.mount } : {}), mountPoint: false, reused: true, close: noClose };
    }
    const r = this.opts.extractDirIsRoot ? this.resolveAsUnpack(target, dir, e, kind) : this.view.resolveFrom(this.base, Buffer.from(target, 'latin1'), { mkdirParents: true });
    if (r.mountPoint || r.parent < 0) return r;
    this.dropCache();
    const fd = r.parent;
    const path = r.path.slice(0, r.path.lastIndexOf('/')) || '/';
    // the names in this directory that are mount destinations (binary strings, as tar names are): resolved in full, never reused
    const mountNames = new Set<string>();
    for (const m of this.view.mounts) {
      const cut = m.destination.lastIndexOf('/');
      if ((m.destination.slice(0, cut) || '/') === path) mountNames.add(Buffer.from(m.destination.slice(cut + 1), 'utf8').toString('latin1'));
    }
    this.cached = { rel: dir, fd, path, mountNames, ...(r.mount ? { mount: r.mount } : {}) };
    if (r.fd >= 0) fs.closeSync(r.fd);
    return { parent: fd, name: r.name, ...(r.mount ? { mount: r.mount } : {}), mountPoint: false, reused: true, close: noClose };
  }

  /**
   * Where an entry goes in a chrooted untar (extractDirIsRoot), as moby's Unpack finds it with
   * its extraction directory at `/`: the parent is made (os.MkdirAll: links on the way followed,
   * a dangling one fails `mkdir /l: file exists`) only when nothing is at its path (Lstat);
   * otherwise the entry is created through whatever is there, and a symlink the tar made to a
   * place that does not exist (`l -> /etc`, then `l/x`) fails as the kernel fails the create
   * (`open /l/x: no such file or directory`), where mkdirParents would have made `/etc`. Every
   * step resolved in the view (RootView), never above its root.
   */
  private resolveAsUnpack(target: string, dir: string, e: TarEntry, kind: Kind): ResolvedPath {
    const bin = (p: string): Buffer => Buffer.from(p, 'latin1');
    if (dir !== '' && !this.exists(bin(dir), false)) this.mkdirAll(dir);
    try {
      return this.view.resolveFrom(this.base, bin(target));
    } catch (err) {
      const code = ((err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException)).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const reason = code === 'ENOENT' ? 'no such file or directory' : 'not a directory';
      const at = `/${shown(target)}`;
      // Go's error for the call createTarFile makes (os.PathError / os.LinkError; Mknod's bare errno)
      const op =
        kind === 'file' ? `open ${at}` :
        kind === 'dir' ? `mkdir ${at}` :
        kind === 'symlink' ? `symlink ${shown(e.linkname)} ${at}` :
        kind === 'link' ? `link /${(clean(e.linkname, false, true) ?? []).map(shown).join('/')} ${at}` : '';
      throw new InvalidArgumentError(op ? `${op}: ${reason}` : reason, { cause: err });
    }
  }

  /** Whether something is at `rel` (below the extraction directory; the last component followed when `follow`). */
  private exists(rel: Buffer, follow: boolean): boolean {
    let r: ResolvedPath;
    try {
      r = this.view.resolveFrom(this.base, rel, { followLast: follow });
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof InvalidArgumentError) return false;
      throw err;
    }
    const found = r.fd >= 0;
    r.close();
    return found;
  }

  /** Go's os.MkdirAll of `dir` in the view (0755; links on the way followed; one that leads nowhere fails as Mkdir does). */
  private mkdirAll(dir: string): void {
    const comps = dir.split('/');
    for (let i = 1; i <= comps.length; i++) {
      const rel = comps.slice(0, i).join('/');
      const bin = Buffer.from(rel, 'latin1');
      let r: ResolvedPath | undefined;
      try {
        r = this.view.resolveFrom(this.base, bin, { followLast: true });
      } catch (err) {
        if (!(err instanceof NotFoundError)) {
          const code = ((err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException)).code;
          if (code === 'ENOTDIR') throw new InvalidArgumentError(`mkdir /${shown(rel)}: not a directory`, { cause: err });
          throw err;
        }
      }
      try {
        if (r !== undefined && r.fd >= 0) {
          if (!fs.fstatSync(r.fd).isDirectory()) throw new InvalidArgumentError(`mkdir /${shown(rel)}: not a directory`);
          continue;
        }
        // nothing found through it: a name there (a link to nowhere) makes Mkdir fail with EEXIST
        if (r === undefined || this.exists(bin, false)) throw new InvalidArgumentError(`mkdir /${shown(rel)}: file exists`);
        fsAt().mkdirat(r.parent, r.name, 0o755);
      } finally {
        r?.close();
      }
    }
  }

  /** Closes the cached parent's fd (once the batches using it are written). */
  private dropCache(): void {
    const c = this.cached;
    this.cached = undefined;
    if (c === undefined) return;
    if (this.fill !== undefined) this.fill.closeAfter.push(c.fd);
    else if (this.flight !== undefined) this.flight.batch.closeAfter.push(c.fd);
    else fs.closeSync(c.fd);
  }

  /**
   * The extraction has failed (the tar feed's failure, or the input's): a call still in flight
   * stops where it waits (its promise rejects) instead of going on. abort() releases the rest.
   */
  cancel(): void {
    this.aborted = true;
  }

  private throwIfAborted(): void {
    if (this.aborted) throw new CancelledError('archive: extraction aborted');
  }

  /**
   * Releases what an interrupted extraction holds (after the batch on the worker is done: it uses
   * the fds). Calls still in flight stop where they wait (cancel()); no batch is made after this.
   */
  async abort(): Promise<void> {
    this.aborted = true;
    this.smallArena = undefined;
    while (this.writing !== undefined) await this.writing.catch(() => undefined); // it uses this.fd
    this.held = [];
    this.heldBytes = 0;
    // the batch on the worker first (the batch being filled may close an fd it still uses)
    for (;;) {
      if (this.flight !== undefined) {
        await this.flight.done.catch(() => undefined);
        continue;
      }
      const left = this.fill;
      if (left === undefined) break;
      this.fill = undefined;
      for (const fd of left.closeAfter) fs.closeSync(fd);
    }
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

  /** A written file's owner, xattrs, then mode (chown clears setuid/setgid), then times; closes it. */
  private fileMeta(fd: number, e: TarEntry): void {
    try {
      fs.fchownSync(fd, e.uid, e.gid);
      this.xattrs(fd, '', e);
      fs.fchmodSync(fd, e.mode & 0o7777);
      this.times(fd, '', e);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Owner, xattrs, then mode (chown clears setuid/setgid), then times, on `name` in `parent`, never following it. */
  private meta(parent: number, name: Buffer, e: TarEntry, times: boolean): void {
    const native = fsAt();
    native.fchownat(parent, name, e.uid, e.gid);
    this.xattrs(parent, name, e);
    native.fchmodat(parent, name, e.mode & 0o7777);
    if (times) this.times(parent, name, e);
  }

  /** The entry's atime and mtime on `name` in `parent` ('' parent itself), exactly (nanoseconds), never following it. */
  private times(parent: number, name: Buffer | string, e: TarEntry): void {
    const [as, an, ms, mn] = entryTimes(e, this.opts.atimeAsIs);
    fsAt().utimensat(parent, name, as, ms, an, mn);
  }

  /** Whether a batch's times (numbers of seconds, atime raised to the mtime) are not the entry's. */
  private inexact(e: TarEntry): boolean {
    return e.mtimeExact !== undefined || e.atimeExact !== undefined || (this.opts.atimeAsIs === true && e.atime !== undefined && e.atime < e.mtime);
  }

  /**
   * The entry's `SCHILY.xattr.*` records on `name` in `parent` ('' parent itself), never
   * following it, as docker's Unpack does (after the owner: chown clears security.capability;
   * what the file system or namespace cannot hold is skipped, as docker).
   */
  private xattrs(parent: number, name: Buffer | string, e: TarEntry): void {
    if (e.xattrs === undefined) return;
    for (const [key, value] of xattrsToApply(e, (reason) => this.refuse(e, reason))) {
      try {
        fsAt().setxattrAt(parent, name, key, value);
      } catch (err) {
        if (!xattrIgnorable(err)) throw err;
      }
    }
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
 * null when it climbs above its start (`atRoot`: it stays there instead, as `..` at `/`).
 * `relative`: a link target resolved from the entry's directory (already relative to the
 * extraction directory).
 */
function clean(name: string, relative = false, atRoot = false): string[] | null {
  if (plain(name)) {
    // (most names: nothing to drop or resolve, only a directory's trailing `/`)
    const comps = name.split('/');
    if (comps[comps.length - 1] === '') comps.pop();
    return comps;
  }
  const out: string[] = [];
  const p = relative ? name : name.replace(/^\/+/, '');
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) {
        if (atRoot) continue;
        return null;
      }
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}

/** A name whose components are all ordinary (none empty, `.` or `..`; a trailing `/` allowed): clean() only splits it. */
function plain(name: string): boolean {
  const c0 = name.charCodeAt(0);
  return c0 !== 0x2f && c0 !== 0x2e && name.length > 0 && !name.includes('//') && !name.includes('/.');
}

function atimeOf(e: TarEntry): number {
  return e.atime !== undefined && e.atime > e.mtime ? e.atime : e.mtime;
}

/** A binary-string name as text for messages. */
function shown(bin: string): string {
  return Buffer.from(bin, 'latin1').toString('utf8');
}

/** Writes a whole buffer at a file's current offset. */
function writeAll(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
}

/** Writes buffers whole, in order, at a file's current offset, on a libuv worker thread (writev; a short write goes on from where it stopped). */
async function writevAllAsync(fd: number, data: Buffer[]): Promise<void> {
  let bufs = data;
  while (bufs.length > 0) {
    let n = await new Promise<number>((resolve, reject) => fs.writev(fd, bufs, null, (err, written) => (err ? reject(err) : resolve(written))));
    if (n === 0) throw Object.assign(new Error('write: no progress (0 bytes written)'), { code: 'EIO' }); // would loop forever
    let i = 0;
    while (i < bufs.length && n >= bufs[i]!.length) n -= bufs[i++]!.length;
    bufs = i < bufs.length && n > 0 ? [bufs[i]!.subarray(n), ...bufs.slice(i + 1)] : bufs.slice(i);
  }
}

function noClose(): void {}

