import * as fs from 'node:fs';
import { InvalidArgumentError } from '@berth/errdefs';
import type { ResolvedLayerLimits } from './layer-limits';
import { baseOf, cleanEntryPath, displayName, fsPath, parentOf, toBinary } from './layer-path';
import { S_IFBLK, S_IFCHR, S_IFIFO, type LayerNative } from './native';
import { fsAt } from '@berth/fs';
import { TypeFlag, deviceEntrySkipped, entryTimes, mknodIgnorable, xattrIgnorable, xattrsToApply, type TarEntry, type TarSink } from './tar-entry';
import { runningInUserNs } from './user-namespace';
import { OPAQUE_XATTR, WHITEOUT_META_PREFIX, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './whiteout';

/** What the writer created at a path. */
type Kind = 'dir' | 'file' | 'symlink' | 'other';

/**
 * The writer's own record of the tree it made; it trusts only this, never what a path resolves
 * to on disk. Directories hold their children by name and, once their header is seen, the times
 * to set at the end.
 */
interface Node {
  kind: Kind;
  children?: Map<string, Node>;
  /** The directory's entry, for its times at the end. */
  entry?: TarEntry;
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
/** Never follows or reuses what is there (libuv adds O_CLOEXEC itself). */
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/**
 * Turns tar entries into files under `root`, synchronously (each step is one cheap syscall, and
 * a layer is written by one writer). Safety rests on two rules:
 * - every path is cleaned lexically first (breakouts refused, absolute paths confined), and
 * - the writer remembers the kind of everything it created, so every parent of an entry is a
 *   directory it made itself: a path never passes through a symlink, and the last component is
 *   created with O_EXCL|O_NOFOLLOW, mknod, symlink or link, none of which follows a symlink.
 * Directories created for an entry whose parents the tar does not list count against maxEntries.
 * `root` must be an empty directory that nobody else writes to while the layer is unpacked.
 */
export class LayerWriter implements TarSink {
  /** Tar entries seen. */
  entries = 0;
  /** Bytes of regular files. */
  bytes = 0;
  private created = 0;
  private readonly tree: Node = { kind: 'dir', children: new Map() };
  private lastParentRel: string | undefined;
  private lastParent: Node | undefined;
  private fd = -1;
  private cur: TarEntry | undefined;
  private curAbs: Buffer = Buffer.alloc(0);
  /** The root as a binary string (paths inside are binary strings: one char per byte). */
  private readonly rootBin: string;

  constructor(
    root: string,
    private readonly limits: ResolvedLayerLimits,
    private readonly native: LayerNative,
    /** Docker's user-namespace rule for device and FIFO entries (tar-entry.ts). */
    private readonly inUserNs: boolean = runningInUserNs(),
  ) {
    this.rootBin = toBinary(root);
  }

  /** The name of the entry being written, for error messages. */
  get currentEntry(): string | undefined {
    return this.cur === undefined ? undefined : displayName(this.cur.name);
  }

  entry(e: TarEntry): void {
    this.cur = e;
    if (++this.entries > this.limits.maxEntries) this.refuse(e, `more than ${this.limits.maxEntries} entries`);
    if (e.name.includes('\0') || e.linkname.includes('\0')) this.refuse(e, 'NUL byte in a name');
    const rel = cleanEntryPath(e.name);
    if (rel.length > this.limits.maxPathLength) this.refuse(e, `path longer than ${this.limits.maxPathLength} bytes`);
    if (e.linkname.length > this.limits.maxPathLength) this.refuse(e, `link target longer than ${this.limits.maxPathLength} bytes`);

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
      setTimes(fd, '', e);
      this.fd = -1;
      fs.closeSync(fd);
    }
    this.cur = undefined;
  }

  /** After the last entry: directories get their mtimes now that their contents are written. */
  finish(): void {
    const stack: [string, Node][] = [[this.rootBin, this.tree]];
    while (stack.length > 0) {
      const [abs, node] = stack.pop()!;
      if (node.entry !== undefined) lutimes(fsPath(abs), node.entry);
      for (const [name, child] of node.children ?? []) if (child.kind === 'dir') stack.push([`${abs}/${name}`, child]);
    }
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
    const [parent, name, abs] = this.prepare(e, rel, 'file');
    this.fd = fs.openSync(abs, CREATE_FLAGS, 0o600);
    this.curAbs = abs;
    parent.children!.set(name, { kind: 'file' });
  }

  private dir(e: TarEntry, rel: string): void {
    let node: Node;
    let abs: Buffer;
    if (rel === '') {
      node = this.tree;
      abs = this.abs('');
    } else {
      const [parent, name, a] = this.prepare(e, rel, 'dir');
      abs = a;
      const existing = parent.children!.get(name);
      if (existing !== undefined) {
        node = existing; // a directory again: keep it and its contents, take the new metadata
      } else {
        fs.mkdirSync(abs, 0o700);
        node = { kind: 'dir', children: new Map() };
        parent.children!.set(name, node);
      }
    }
    fs.lchownSync(abs, e.uid, e.gid);
    if (e.xattrs !== undefined) this.setXattrs(abs, e);
    fs.chmodSync(abs, e.mode);
    node.entry = e;
  }

  private symlink(e: TarEntry, rel: string): void {
    if (e.linkname === '') this.refuse(e, 'symlink without a target');
    // stored as written, as Docker's Unpack at `/` does: a relative target climbing above the layer root (`a -> ../../x`) resolves inside the container's root
    const [parent, name, abs] = this.prepare(e, rel, 'symlink');
    fs.symlinkSync(fsPath(e.linkname), abs);
    parent.children!.set(name, { kind: 'symlink' });
    fs.lchownSync(abs, e.uid, e.gid);
    if (e.xattrs !== undefined) this.setXattrs(abs, e);
    lutimes(abs, e);
  }

  private hardlink(e: TarEntry, rel: string): void {
    const target = cleanEntryPath(e.linkname); // from the layer root, `..` stopping there (Docker: os.Link of Join("/", linkname) chrooted)
    const node = this.lookup(target);
    if (node === undefined) this.refuse(e, `hardlink target "${displayName(e.linkname)}" is not an earlier entry of the layer`);
    if (node.kind === 'dir') this.refuse(e, `hardlink target "${displayName(e.linkname)}" is a directory`);
    if (target === rel || target.startsWith(`${rel}/`)) this.refuse(e, 'hardlink to itself or to something it replaces');
    const kind = node.kind;
    const [parent, name, abs] = this.prepare(e, rel, kind);
    fs.linkSync(this.abs(target), abs);
    parent.children!.set(name, { kind });
    // Like Docker: the header's metadata is applied (to the shared inode).
    fs.lchownSync(abs, e.uid, e.gid);
    if (e.xattrs !== undefined) this.setXattrs(abs, e);
    if (kind !== 'symlink') fs.chmodSync(abs, e.mode);
    lutimes(abs, e);
  }

  private special(e: TarEntry, rel: string): void {
    const type = e.typeflag === TypeFlag.Char ? S_IFCHR : e.typeflag === TypeFlag.Block ? S_IFBLK : S_IFIFO;
    const [parent, name, abs] = this.prepare(e, rel, 'other'); // what was there goes first, as in Docker's Unpack
    if (deviceEntrySkipped(e, this.inUserNs)) return;
    try {
      this.native.mknod(abs, type | (e.mode & 0o777), e.devmajor, e.devminor);
    } catch (err) {
      if (mknodIgnorable(err, this.inUserNs)) return;
      throw err;
    }
    parent.children!.set(name, { kind: 'other' });
    fs.lchownSync(abs, e.uid, e.gid);
    if (e.xattrs !== undefined) this.setXattrs(abs, e);
    fs.chmodSync(abs, e.mode);
    lutimes(abs, e);
  }

  /** `.wh..wh..opq` marks its directory opaque; `.wh.NAME` becomes a 0/0 character device NAME. */
  private whiteout(e: TarEntry, rel: string, base: string): void {
    const parentRel = parentOf(rel);
    if (base === WHITEOUT_OPAQUE) {
      this.dirNode(e, parentRel);
      this.native.lsetxattr(this.abs(parentRel), OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') this.refuse(e, 'malformed whiteout');
    const target = parentRel === '' ? name : `${parentRel}/${name}`;
    const [parent, , abs] = this.prepare(e, target, 'other');
    this.native.mknod(abs, S_IFCHR, 0, 0);
    parent.children!.set(name, { kind: 'other' });
    fs.lchownSync(abs, e.uid, e.gid);
    // Docker leaves the time of creation; the header's time makes a re-packed diff reproducible.
    lutimes(abs, e);
  }

  // ---- the tree ----

  /** The fs path (bytes) of a layer path. */
  private abs(rel: string): Buffer {
    return fsPath(rel === '' ? this.rootBin : `${this.rootBin}/${rel}`);
  }

  /**
   * Makes every parent of `rel` a directory of ours and clears the way for a new entry there
   * (what an earlier entry put at `rel` goes, unless both are directories).
   * Returns the parent's node, the last component and the absolute path.
   */
  private prepare(e: TarEntry, rel: string, kind: Kind): [Node, string, Buffer] {
    if (rel === '') this.refuse(e, 'the layer root must be a directory');
    const parent = this.dirNode(e, parentOf(rel));
    const name = baseOf(rel);
    const existing = parent.children!.get(name);
    const abs = this.abs(rel);
    if (existing !== undefined && !(existing.kind === 'dir' && kind === 'dir')) {
      if (existing.kind === 'dir') {
        fs.rmSync(abs, { recursive: true, force: true });
        this.lastParentRel = undefined;
      } else {
        fs.unlinkSync(abs);
      }
      parent.children!.delete(name);
    }
    return [parent, name, abs];
  }

  /** The node of directory `rel`, creating it and missing parents (0755, like Docker); refuses a non-directory on the way. */
  private dirNode(e: TarEntry, rel: string): Node {
    if (rel === this.lastParentRel) return this.lastParent!;
    let node = this.tree;
    if (rel !== '') {
      let at = '';
      for (const c of rel.split('/')) {
        at = at === '' ? c : `${at}/${c}`;
        let child = node.children!.get(c);
        if (child === undefined) {
          if (++this.created + this.entries > this.limits.maxEntries) this.refuse(e, `more than ${this.limits.maxEntries} entries (with the directories created for them)`);
          fs.mkdirSync(this.abs(at), 0o755);
          child = { kind: 'dir', children: new Map() };
          node.children!.set(c, child);
        } else if (child.kind !== 'dir') {
          this.refuse(e, `"${displayName(at)}" is a ${child.kind === 'symlink' ? 'symlink' : 'non-directory'} in the way`);
        }
        node = child;
      }
    }
    this.lastParentRel = rel;
    this.lastParent = node;
    return node;
  }

  /** The node at `rel`, without creating anything; undefined if absent or below a non-directory. */
  private lookup(rel: string): Node | undefined {
    let node: Node | undefined = this.tree;
    if (rel === '') return node;
    for (const c of rel.split('/')) {
      node = node.children?.get(c);
      if (node === undefined) return undefined;
    }
    return node;
  }

  private setXattrs(abs: Buffer, e: TarEntry): void {
    for (const [name, value] of xattrsToApply(e, (reason) => this.refuse(e, reason))) {
      try {
        this.native.lsetxattr(abs, name, value);
      } catch (err) {
        if (xattrIgnorable(err)) continue;
        throw err;
      }
    }
  }

  private refuse(e: TarEntry, reason: string): never {
    throw new InvalidArgumentError(`layer entry "${displayName(e.name)}": ${reason}`);
  }
}

/** O_PATH (Linux's value; Node has no constant for it): a handle on a path, nothing opened for I/O. */
const O_PATH = 0o10000000;

/** An entry's times (Docker's rule: atime at least the mtime) on the fd, exactly (PAX's nanoseconds). */
function setTimes(fd: number, name: '', e: TarEntry): void {
  const [as, an, ms, mn] = entryTimes(e);
  fsAt().utimensat(fd, name, as, ms, an, mn);
}

/** An entry's times on a path of the layer, never following it. */
function lutimes(abs: Buffer, e: TarEntry): void {
  if (e.mtimeExact === undefined && e.atimeExact === undefined) {
    fs.lutimesSync(abs, e.atime !== undefined && e.atime > e.mtime ? e.atime : e.mtime, e.mtime);
    return;
  }
  const fd = fs.openSync(abs, O_PATH | O_NOFOLLOW);
  try {
    setTimes(fd, '', e);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether any component of `rel` is aufs metadata (`.wh..wh.*`, other than an opaque marker). */
function isUnderWhiteoutMeta(rel: string): boolean {
  return rel.split('/').some((c) => c.startsWith(WHITEOUT_META_PREFIX) && c !== WHITEOUT_OPAQUE);
}
