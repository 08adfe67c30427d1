import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { ContainerPathStat } from '@berth/api';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { RootView, cleanPath, fdPath, fsAt, isWithin, type ResolvedPath as FsResolved } from '@berth/fs';
import { readTar, type TarSink } from '@berth/image-store';
import type { ContainerFsView } from './container-fs-view';
import type { PackDirectory } from './deps';
import { followSymlinkInScope, isSymlinkLoop, tooManyLinks } from './follow-symlink-in-scope';
import { ViewExtractor, checkWritable } from './view-extractor';
import { rfc3339Nano } from './timestamps';

/**
 * `docker cp` (GET/HEAD/PUT /containers/{id}/archive) on the container's filesystem view
 * (container-fs-view.ts: the mounted rootfs with its volumes, binds and network files laid over).
 *
 * Paths are the container's: every symlink met on the way is resolved in the container's scope
 * (as if chrooted, docker's FollowSymlinkInScope), in the kernel from file descriptors
 * (@berth/fs), so a link to `/etc` means the container's /etc and nothing outside the rootfs
 * and the mount sources is ever read or written, even while a process in the container swaps
 * a directory for a symlink. The last component is not followed (docker copies a symlink as a
 * symlink) unless the path ends in `/` or `/.`.
 */

/** `/` + `p` cleaned, keeping a trailing `/` or `/.` (docker's PreserveTrailingDotOrSeparator). */
export function containerAbsPath(p: string): string {
  const out: string[] = [];
  for (const x of p.split('/')) {
    if (x === '' || x === '.') continue;
    if (x === '..') out.pop();
    else out.push(x);
  }
  let abs = `/${out.join('/')}`;
  if (abs !== '/') {
    if (p === '.' || p.endsWith('/.')) abs += '/.';
    else if (p.endsWith('/')) abs += '/';
  }
  return abs;
}

/** Go's filepath.Base: the last element, trailing slashes ignored, `/` for the root. */
export function goBase(p: string): string {
  const t = p.replace(/\/+$/, '');
  if (t === '') return p === '' ? '.' : '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

/** Go's os.FileMode bits for a st_mode, as docker puts them in X-Docker-Container-Path-Stat. */
export function goFileMode(st: { mode: number } | number): number {
  const mode = typeof st === 'number' ? st : st.mode;
  let m = mode & 0o777;
  if (mode & 0o4000) m += 2 ** 23; // setuid
  if (mode & 0o2000) m += 2 ** 22; // setgid
  if (mode & 0o1000) m += 2 ** 20; // sticky
  const t = mode & S_IFMT;
  if (t === S_IFDIR) m += 2 ** 31;
  else if (t === S_IFLNK) m += 2 ** 27;
  else if (t === S_IFIFO) m += 2 ** 25;
  else if (t === S_IFSOCK) m += 2 ** 24;
  else if (t === S_IFCHR) m += 2 ** 26 + 2 ** 21;
  else if (t === S_IFBLK) m += 2 ** 26;
  return m;
}

export type PathStat = ContainerPathStat;

/** A resolved and stat'ed container path: its fds stay open until close(). */
export interface ResolvedPath {
  /** docker's absPath: the requested path made absolute, trailing `/` or `/.` kept. */
  absPath: string;
  stat: PathStat;
  isDir: boolean;
  /** The resolution (fds of the object and its parent, the resolved path, its mount). */
  at: FsResolved;
  close(): void;
}

/** The view of a bare rootfs (no mounts), for callers and tests that have only that. */
export function rootfsView(rootfs: string): ContainerFsView {
  return RootView.open(rootfs);
}

/**
 * Resolves `p` in `view` with docker's not-found message; the caller closes the result. A loop
 * is docker's too: in the directory part (docker's ResolvePath resolves that alone), or in the
 * whole path when the last component is followed too (PUT, a path ending in `/` or `/.`).
 */
function resolveForCp(view: ContainerFsView, p: string, containerRef: string, followLast: boolean): FsResolved {
  try {
    const r = view.resolve(p, { followLast });
    if (r.fd < 0) {
      r.close();
      throw new NotFoundError(`Could not find the file ${p} in container ${containerRef}`);
    }
    return r;
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`Could not find the file ${p} in container ${containerRef}`, { cause: err });
    if (err instanceof InvalidArgumentError && /not a directory/.test(err.message)) {
      throw new NotFoundError(`Could not find the file ${p} in container ${containerRef}`, { cause: err });
    }
    if (isSymlinkLoop(err)) throw tooManyLinks(followLast ? p : path.posix.dirname(cleanPath(p)), err);
    throw err;
  }
}

/**
 * Where the symlink at `absPath` leads, as moby's FollowSymlinkInScope has it: every link on the
 * way followed in the container's scope, and when they end at something missing, the missing
 * component taken as it is (and so all after it), `..` stepping back out of it: `a -> b`,
 * `b -> /nowhere/x` leads to `/nowhere/x`, not `/b`. @berth/fs follows it in the view (mounts
 * included) past the missing parts, creating nothing. A loop is docker's 500 `evalSymlinksInScope:
 * too many links`, a file in the way its failed lstat (500).
 */
function linkTargetOf(view: ContainerFsView, absPath: string): string {
  const r = followSymlinkInScope(view, absPath);
  r.close();
  return r.path;
}

/**
 * Resolves and stats a container path (docker's ResolvePath + StatPath); NotFoundError with
 * docker's message when it is missing. `name` is the requested path's base (`/` for the root,
 * `.` for `d/.`); a symlink's `linkTarget` is its target fully resolved in the container; a
 * symlink that loops (`loop -> loop`, `a -> b -> a`) has none: docker's StatPath fails then
 * (500, `evalSymlinksInScope: too many links in /loop`), so HEAD, GET and PUT all do.
 * `containerRef` is the container as the client named it. The caller closes the result.
 */
export function statContainerPath(view: ContainerFsView, p: string, containerRef: string): ResolvedPath {
  if (!p.startsWith('/')) p = `/${p}`;
  const absPath = containerAbsPath(p);
  const followLast = p.endsWith('/') || p.endsWith('/.');
  const r = resolveForCp(view, p, containerRef, followLast);
  try {
    const st = fsAt().lstatat(r.fd, '');
    if (st === null) throw new NotFoundError(`Could not find the file ${p} in container ${containerRef}`);
    const [mode, , , size, mtimeSec, mtimeNsec] = st as [number, number, number, number, number, number];
    let linkTarget = '';
    if ((mode & S_IFMT) === S_IFLNK) {
      // a dangling link too: where it leads (moby's FollowSymlinkInScope names a missing target;
      // the docker CLI copies into that path, not into `/`)
      linkTarget = linkTargetOf(view, absPath);
    }
    // moby: lstat's ModTime() (the daemon's zone, nanoseconds) marshalled as RFC3339Nano
    const mtime = rfc3339Nano(new Date(mtimeSec * 1000 + Math.floor(mtimeNsec / 1e6)), { local: true, subMsNanos: mtimeNsec % 1e6 });
    return {
      absPath,
      isDir: (mode & S_IFMT) === S_IFDIR,
      stat: { name: goBase(absPath), size, mode: goFileMode(mode), mtime, linkTarget },
      at: r,
      close: () => r.close(),
    };
  } catch (err) {
    r.close();
    throw err;
  }
}

/**
 * The tar docker sends for a resolved path (its archivePath after moby#39357): a directory is
 * packed from itself, a file (or a symlink) as the one member of its parent; entries are named
 * from the requested path's base (`d/`, `d/f.txt`, `./x` for `d/.`, `f.txt`), the root's from
 * `/` (`/`, `/bin/`, `/bin/sh`: the docker CLI rebases them onto the destination's name). The
 * mounts below a directory are packed in place (docker's cp walks its mounted view). Owners
 * numeric, modes, xattrs, hardlinks and long names as image-store's packDirectory keeps them.
 * The packer is handed the resolved objects by fd (`/proc/self/fd/N`, which the kernel resolves
 * to the object itself) and walks below them by fd. `r` must stay open until the stream ends.
 */
export async function tarContainerPath(view: ContainerFsView, r: ResolvedPath, pack: PackDirectory, signal?: AbortSignal): Promise<Readable> {
  const base = goBase(r.absPath);
  const as = base === '/' ? '' : base;
  const at = r.at;
  const sig = signal ? { signal } : {};
  if (!r.isDir) {
    if (at.mountPoint && at.mount) {
      // a bind-mounted file (/etc/hosts): the mount's source, not the placeholder below it
      return pack(path.dirname(at.mount.source), { member: path.basename(at.mount.source), as, ...sig });
    }
    return pack(fdPath(at.parent), { member: at.name.toString('utf8'), as, ...sig });
  }
  const substitutes = new Map<string, string>();
  for (const m of view.mounts) {
    if (m.destination === at.path || !isWithin(at.path, m.destination)) continue;
    const below = at.path === '/' ? m.destination : m.destination.slice(at.path.length);
    substitutes.set(`${as}${below}`, m.source);
  }
  return pack(fdPath(at.fd), { member: '.', as, ...(substitutes.size > 0 ? { substitutes } : {}), ...sig });
}

/**
 * `docker cp` into a container (PUT /containers/{id}/archive?path=DIR): the tar is streamed
 * straight into DIR of the container's view, entry by entry, nothing staged on disk
 * (view-extractor.ts: every target resolved in the kernel; docker's Unpack rules for what is
 * replaced, merged or kept).
 *
 * As docker: a target in a read-only mount is refused ("mounted volume is marked read-only",
 * 400); a target in the rootfs of a `--read-only` container is refused (400), one in a
 * writable mount is not; a mount point itself (a bind-mounted file such as /etc/hosts) cannot
 * be replaced by a non-directory (docker's unlink fails with EBUSY).
 */
export async function extractIntoContainer(opts: {
  view: ContainerFsView;
  readonlyRootfs?: boolean;
  containerPath: string;
  containerRef: string;
  input: Readable;
  noOverwriteDirNonDir?: boolean;
  /** docker cp -a (copyUIDGID with a container User): every entry owned by this uid/gid instead of the tar's. */
  chown?: { uid: number; gid: number };
  signal?: AbortSignal;
}): Promise<void> {
  const view = opts.view;
  const dest = statContainerPath(view, opts.containerPath.endsWith('/') ? opts.containerPath : `${opts.containerPath}/`, opts.containerRef);
  try {
    if (!dest.isDir) throw new InvalidArgumentError(`extraction point is not a directory: ${opts.containerPath}`);
    checkWritable(dest.at.mount, Boolean(opts.readonlyRootfs));
    const sink = new ViewExtractor(view, dest.at, { readonlyRootfs: Boolean(opts.readonlyRootfs), noOverwriteDirNonDir: Boolean(opts.noOverwriteDirNonDir) });
    try {
      const chown = opts.chown;
      const target: TarSink = chown
        ? {
            entry: (e) => {
              e.uid = chown.uid;
              e.gid = chown.gid;
              return sink.entry(e);
            },
            data: (chunk) => sink.data(chunk),
            entryEnd: () => sink.entryEnd(),
            cancel: () => sink.cancel(),
          }
        : sink;
      // a refusal mid-body leaves the request to the route: it answers, then closes the connection
      await readTar(opts.input, target, { keepInput: true, ...(opts.signal ? { signal: opts.signal } : {}) });
      await sink.finish();
    } finally {
      await sink.abort();
    }
  } finally {
    dest.close();
  }
}
