import * as fs from 'node:fs';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { FOLLOW_LAST, MKDIR_PARENTS, PAST_MISSING, fsNative, type PathLike } from './native';

/** A mount laid over the root, as the container was given it (spec order: later ones cover earlier ones). */
export interface ViewMountInput {
  /** Where it appears in the container (`/data`). */
  destination: string;
  /** Host path of what is mounted there (the daemon's own: a volume's `_data`, a bind source, a bundle file). */
  source: string;
  rw: boolean;
}

/** A mount in effect in a view. */
export interface ViewMount {
  /** Resolved container path (`/data`). */
  destination: string;
  source: string;
  rw: boolean;
  /** O_PATH fd of the source, held while the view is open. */
  fd: number;
}

/** A path resolved in a view: O_PATH fds, closed by close(). */
export interface ResolvedPath {
  /**
   * The parent directory (-1 for the root itself). When more than the last component is
   * missing (`missing` > 1, pastMissing), the deepest directory on the way that exists: the
   * last `missing` components of `path` are to be made below it.
   */
  parent: number;
  /** The object (-1 when the last component does not exist). */
  fd: number;
  /** The resolved container path (`/`, `/srv/d`; the missing components included). */
  path: string;
  /** `path` as the bytes the kernel gave (names that are not UTF-8 kept as they are). */
  pathBytes: Buffer;
  /** The last component as bytes ('' for the root): the name of `fd` in `parent` (with `missing` > 1, the last of the names to make below it). */
  name: Buffer;
  /** The mount the path lies in (undefined: the root). */
  mount?: ViewMount;
  /** The path is a mount's destination (its root, not something in the directory below). */
  mountPoint: boolean;
  /** How many trailing components of `path` do not exist: 0 (it exists), 1 (the last), more only with pastMissing. */
  missing: number;
  close(): void;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (default: a symlink is returned as itself). */
  followLast?: boolean;
  /** Create missing parent directories (0755, the daemon's owner), as an extraction does. */
  mkdirParents?: boolean;
  /**
   * Walk on past missing parents without creating anything, and tell where the path ends: a
   * missing component and everything below it are taken as written (`..` steps back out of
   * them; a mount destination met there continues in the mount), as docker's
   * FollowSymlinkInScope does. `/data -> /missing/x` resolves `/data/f` to `/missing/x/f` with
   * `missing` 3 and `parent` the root's fd. A file in the way is still refused, named where the
   * walk met it (`/srv/f.txt/x: not a directory`). Not with mkdirParents.
   */
  pastMissing?: boolean;
}

/**
 * A container's filesystem (or a volume's, or a build stage's) seen from outside: a root
 * directory with mounts laid over it, every path resolved **in the kernel** relative to file
 * descriptors held open (native/src/berth_fs.c), never as a string opened again later. A
 * symlink met is followed in the view's scope: an absolute target restarts at the view's `/`,
 * `..` never climbs above it, and once a path reaches a mount's destination it continues inside
 * that mount's source. What a process inside the container does meanwhile (swapping a directory
 * for a symlink to `/`) can change what is found, never make it leave the view.
 *
 * Callers act on what resolve() returns with the *at calls of `fsAt` (or Node's fd calls after
 * `fsAt.openat(r.fd, '', flags)`), and close it.
 */
export class RootView {
  private closed = false;

  private constructor(
    /** The host path of the root (for messages; never opened again). */
    readonly root: string,
    private readonly rootFd: number,
    readonly mounts: ViewMount[],
  ) {}

  /**
   * The view of `root` with `mounts` applied in order, as runc mounts them: each destination is
   * resolved (symlinks followed in scope) in the view made by the mounts before it; a mount
   * covers earlier ones at or below its destination; one whose source is missing is left out
   * (a never-started container has no network files yet).
   */
  static open(root: string, mounts: readonly ViewMountInput[] = []): RootView {
    const native = fsNative();
    const view = new RootView(root, native.openRoot(root), []);
    try {
      for (const m of mounts) {
        if (!m.destination.startsWith('/')) continue;
        let fd: number;
        let source: string;
        try {
          source = fs.realpathSync(m.source); // what the mount followed when it was made
          fd = native.openRoot(source);
        } catch {
          continue;
        }
        let dest: string;
        try {
          const r = view.resolve(m.destination, { followLast: true });
          dest = r.path;
          r.close();
        } catch {
          // below something missing (a never-started container's, whose targets are not made
          // yet): the path as written, so that a cp into it still reaches the mount
          dest = cleanPath(m.destination);
        }
        for (const o of view.mounts.filter((x) => isWithin(dest, x.destination))) fs.closeSync(o.fd);
        const kept = view.mounts.filter((x) => !isWithin(dest, x.destination));
        view.mounts.length = 0;
        view.mounts.push(...kept, { destination: dest, source, rw: m.rw, fd });
      }
    } catch (err) {
      view.close();
      throw err;
    }
    return view;
  }

  /**
   * Resolves container path `p` (absolute; cleaned lexically first, as docker does). The
   * parents must exist (unless mkdirParents or pastMissing); the last component may be missing
   * (`fd` -1).
   * Errors: NotFoundError for a missing parent, InvalidArgumentError for a symlink loop or a
   * non-directory in the way.
   */
  resolve(p: PathLike, opts: ResolveOptions = {}): ResolvedPath {
    return this.walk(p, opts, undefined);
  }

  /**
   * Resolves `rel` below a directory already resolved in this view (held by `from.fd`: what the
   * container renames or swaps at its path meanwhile does not move it), in the same scope: an
   * absolute symlink still restarts at the view's `/`, and `..` above `from` continues from its
   * container path. Extraction into a directory uses it, so each entry does not walk from `/`
   * again and the directory it started in stays the one it writes into.
   */
  resolveFrom(from: ResolvedPath, rel: PathLike, opts: ResolveOptions = {}): ResolvedPath {
    if (from.fd < 0) throw new InvalidArgumentError(`${from.path}: does not exist`);
    return this.walk(rel, opts, from);
  }

  private walk(p: PathLike, opts: ResolveOptions, from: ResolvedPath | undefined): ResolvedPath {
    if (this.closed) throw new InvalidArgumentError(`view of ${this.root}: closed`);
    if (opts.mkdirParents && opts.pastMissing) throw new InvalidArgumentError('resolve: mkdirParents and pastMissing exclude each other');
    const native = fsNative();
    const flags = (opts.followLast ? FOLLOW_LAST : 0) | (opts.mkdirParents ? MKDIR_PARENTS : 0) | (opts.pastMissing ? PAST_MISSING : 0);
    const dests = this.mounts.map((m) => m.destination);
    const fds = this.mounts.map((m) => m.fd);
    let r;
    try {
      // an absolute path is cleaned lexically (docker); a relative one is walked as it is (its `..` climbs from `from`)
      const cleaned = from !== undefined ? p : typeof p === 'string' ? cleanPath(p) : Buffer.from(cleanPath(p.toString('latin1')), 'latin1');
      r =
        from === undefined
          ? native.resolve(this.rootFd, dests, fds, cleaned, flags)
          : native.resolve(this.rootFd, dests, fds, cleaned, flags, from.fd, from.path, from.mount ? this.mounts.indexOf(from.mount) : -1);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const rel = typeof p === 'string' ? p : p.toString('utf8');
      const shown = from === undefined ? rel : `${from.path === '/' ? '' : from.path}/${rel}`;
      if (code === 'ENOENT') throw new NotFoundError(`${shown}: no such file or directory`, { cause: err });
      if (code === 'ELOOP') throw new InvalidArgumentError(`${shown}: too many levels of symbolic links`, { cause: err });
      // past missing parts, where the walk met the non-directory (`/srv/f.txt/x`, after links)
      const met = (err as NodeJS.ErrnoException).path; // the addon's paths are bytes as latin1
      const where = opts.pastMissing && met !== undefined ? Buffer.from(met, 'latin1').toString('utf8') : shown;
      if (code === 'ENOTDIR') throw new InvalidArgumentError(`${where}: not a directory`, { cause: err });
      throw err;
    }
    const pathBin = r.path;
    const cut = pathBin.lastIndexOf(0x2f);
    const name = pathBin.length === 1 ? Buffer.alloc(0) : pathBin.subarray(cut + 1);
    const path = pathBin.toString('utf8');
    const mount = r.mount >= 0 ? this.mounts[r.mount] : undefined;
    let open = true;
    return {
      parent: r.parent,
      fd: r.fd,
      path,
      pathBytes: pathBin,
      name,
      ...(mount ? { mount } : {}),
      mountPoint: mount !== undefined && mount.destination === path,
      missing: r.missing,
      close: () => {
        if (!open) return;
        open = false;
        if (r.parent >= 0) fs.closeSync(r.parent);
        if (r.fd >= 0) fs.closeSync(r.fd);
      },
    };
  }

  /** Closes the root's and the mounts' fds. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.rootFd);
    for (const m of this.mounts) fs.closeSync(m.fd);
  }
}

/** `inner` is `outer` or below it (resolved container paths). */
export function isWithin(outer: string, inner: string): boolean {
  return outer === '/' || inner === outer || inner.startsWith(`${outer}/`);
}

/** `/` + `p` cleaned lexically (`..` stops at `/`). */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const x of p.split('/')) {
    if (x === '' || x === '.') continue;
    if (x === '..') out.pop();
    else out.push(x);
  }
  return `/${out.join('/')}`;
}

/**
 * Makes the missing end of a path resolved with `pastMissing` (`r.missing` components) below
 * `r.parent`, the deepest directory that exists, by *at calls on fds, never following a link:
 * directories (0755), the last one an empty file (0755, as runc makes a file bind's target)
 * when `kind` is 'file'. What a container puts there meanwhile (a symlink, a file) makes it fail
 * (EEXIST, ENOTDIR), never leave the root. Nothing to make (`missing` 0): nothing done.
 */
export function makeMissing(r: ResolvedPath, kind: 'dir' | 'file'): void {
  if (r.missing === 0) return;
  const native = fsNative();
  const names: Buffer[] = [];
  for (let end = r.pathBytes.length; names.length < r.missing && end > 0; ) {
    const cut = r.pathBytes.lastIndexOf(0x2f, end - 1);
    if (cut < end - 1) names.unshift(r.pathBytes.subarray(cut + 1, end));
    end = cut;
  }
  const opened: number[] = [];
  let dir = r.parent;
  try {
    for (const [i, name] of names.entries()) {
      const last = i === names.length - 1;
      if (last && kind === 'file') {
        fs.closeSync(native.openat(dir, name, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o755));
        return;
      }
      try {
        native.mkdirat(dir, name, 0o755);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (!last) {
        // O_NOFOLLOW (the addon's openat): a link put there meanwhile is not a directory
        dir = native.openat(dir, name, O_PATH | fs.constants.O_DIRECTORY, 0);
        opened.push(dir);
      }
    }
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
}

/** Linux O_PATH (Node's fs.constants has no name for it). */
const O_PATH = 0o10000000;

/**
 * A path naming what an fd holds, for code that takes paths (Node's readdir, a packer): the
 * kernel resolves `/proc/self/fd/N` to the object itself, never by a name a container controls.
 * Valid while the fd is open.
 */
export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}
