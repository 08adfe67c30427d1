import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { ContainerPathStat } from '@berth/api';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { isWithin, resolveInView, type ContainerFsView, type ResolvedContainerPath } from './container-fs-view';
import type { PackDirectory } from './deps';

/**
 * `docker cp` (GET/HEAD/PUT /containers/{id}/archive) on the container's filesystem view
 * (container-fs-view.ts: the mounted rootfs with its volumes, binds and network files laid over).
 *
 * Paths are the container's: every symlink met on the way is resolved in the container's scope
 * (as if chrooted, docker's FollowSymlinkInScope), so a link to `/etc` means the container's
 * /etc and nothing outside the rootfs and the mount sources is ever read or written. The last
 * component is not followed (docker copies a symlink as a symlink) unless the path ends in `/`
 * or `/.`.
 */

/** Resolves `p` (absolute, container view) to a host path inside `root`, following symlinks in scope. */
export async function resolveInRoot(root: string, p: string, followLast: boolean): Promise<string> {
  return (await resolveInView({ rootfs: path.resolve(root), mounts: [] }, p, followLast)).host;
}

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

function viewOf(v: ContainerFsView | string): ContainerFsView {
  return typeof v === 'string' ? { rootfs: path.resolve(v), mounts: [] } : v;
}

/** Go's os.FileMode bits, as docker puts them in X-Docker-Container-Path-Stat. */
export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.mode & 0o4000) m += 2 ** 23; // setuid
  if (st.mode & 0o2000) m += 2 ** 22; // setgid
  if (st.mode & 0o1000) m += 2 ** 20; // sticky
  if (st.isDirectory()) m += 2 ** 31;
  else if (st.isSymbolicLink()) m += 2 ** 27;
  else if (st.isFIFO()) m += 2 ** 25;
  else if (st.isSocket()) m += 2 ** 24;
  else if (st.isCharacterDevice()) m += 2 ** 26 + 2 ** 21;
  else if (st.isBlockDevice()) m += 2 ** 26;
  return m;
}

export type PathStat = ContainerPathStat;

export interface ResolvedPath extends ResolvedContainerPath {
  /** docker's absPath: the requested path made absolute, trailing `/` or `/.` kept. */
  absPath: string;
  stat: PathStat;
  isDir: boolean;
}

/**
 * Resolves and stats a container path (docker's ResolvePath + StatPath); NotFoundError with
 * docker's message when it is missing. `name` is the requested path's base (`/` for the root,
 * `.` for `d/.`); a symlink's `linkTarget` is its target fully resolved in the container.
 * `containerRef` is the container as the client named it. `view` may be a bare rootfs.
 */
export async function statContainerPath(view: ContainerFsView | string, p: string, containerRef: string): Promise<ResolvedPath> {
  const v = viewOf(view);
  if (!p.startsWith('/')) p = `/${p}`;
  const absPath = containerAbsPath(p);
  const followLast = p.endsWith('/') || p.endsWith('/.');
  const r = await resolveInView(v, p, followLast);
  const st = await fs.lstat(r.host).catch(() => undefined);
  if (!st) throw new NotFoundError(`Could not find the file ${p} in container ${containerRef}`);
  let linkTarget = '';
  if (st.isSymbolicLink()) linkTarget = (await resolveInView(v, p, true)).path;
  return {
    ...r,
    absPath,
    isDir: st.isDirectory(),
    stat: { name: goBase(absPath), size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget },
  };
}


/**
 * The tar docker sends for a resolved path (its archivePath after moby#39357): a directory is
 * packed from itself, a file (or a symlink) as the one member of its parent; entries are named
 * from the requested path's base (`d/`, `d/f.txt`, `./x` for `d/.`, `f.txt`), the root's from
 * `/` (`/`, `/bin/`, `/bin/sh`: the docker CLI rebases them onto the destination's name). The
 * mounts below a directory are packed in place (docker's cp walks its mounted view). Owners
 * numeric, modes, xattrs, hardlinks and long names as image-store's packDirectory keeps them.
 */
export async function tarContainerPath(view: ContainerFsView | string, r: ResolvedPath, pack: PackDirectory, signal?: AbortSignal): Promise<Readable> {
  const v = viewOf(view);
  const base = goBase(r.absPath);
  const as = base === '/' ? '' : base;
  if (!r.isDir) return pack(path.dirname(r.host), { member: path.basename(r.host), as, ...(signal ? { signal } : {}) });
  const substitutes = new Map<string, string>();
  for (const m of v.mounts) {
    if (m.destination === r.path || !isWithin(r.path, m.destination)) continue;
    const below = r.path === '/' ? m.destination : m.destination.slice(r.path.length);
    substitutes.set(`${as}${below}`, m.source);
  }
  return pack(r.host, { member: '.', as, ...(substitutes.size > 0 ? { substitutes } : {}), ...(signal ? { signal } : {}) });
}

/** Unpacks a tar into an empty directory (image-store's unpackLayer: hostile tars are refused). */
export type TarExtractor = (input: Readable, emptyDir: string, opts?: { signal?: AbortSignal }) => Promise<unknown>;

/**
 * `docker cp` into a container (PUT /containers/{id}/archive?path=DIR): the tar is first
 * unpacked into a private empty directory on the host (nothing in it can point outside), then
 * copied into DIR of the container's view entry by entry, each target resolved in the view
 * (its last component not followed: an existing symlink at a destination name is replaced,
 * never followed; a path under a volume or bind lands in its source). Ownership, modes and
 * mtimes come from the tar. FIFOs and devices are skipped.
 *
 * As docker: a target in a read-only mount is refused ("mounted volume is marked read-only",
 * 400); a target in the rootfs of a `--read-only` container is refused (400), one in a
 * writable mount is not; a mount point itself (a bind-mounted file such as /etc/hosts) cannot
 * be replaced by a non-directory (docker's unlink fails with EBUSY).
 */
export async function extractIntoContainer(opts: {
  /** The container's view; `rootfs` alone is a view without mounts. */
  view?: ContainerFsView;
  rootfs?: string;
  readonlyRootfs?: boolean;
  containerPath: string;
  containerRef: string;
  input: Readable;
  scratchDir: string;
  extract: TarExtractor;
  noOverwriteDirNonDir?: boolean;
  signal?: AbortSignal;
}): Promise<void> {
  if (!opts.view && !opts.rootfs) throw new InvalidArgumentError('archive: no container filesystem');
  const view = opts.view ?? viewOf(opts.rootfs!);
  const dest = await statContainerPath(view, opts.containerPath.endsWith('/') ? opts.containerPath : `${opts.containerPath}/`, opts.containerRef);
  if (!dest.isDir) throw new InvalidArgumentError(`extraction point is not a directory: ${opts.containerPath}`);
  const ro = Boolean(opts.readonlyRootfs);
  checkWritable(dest, ro);
  await fs.rm(opts.scratchDir, { recursive: true, force: true });
  await fs.mkdir(opts.scratchDir, { recursive: true, mode: 0o700 });
  try {
    await opts.extract(opts.input, opts.scratchDir, { signal: opts.signal });
    await copyTree({ src: opts.scratchDir, view, base: dest.path, ro, noOverwriteDirNonDir: Boolean(opts.noOverwriteDirNonDir) }, '');
  } finally {
    await fs.rm(opts.scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Docker's checks before writing at a resolved container path. */
function checkWritable(r: ResolvedContainerPath, readonlyRootfs: boolean): void {
  if (r.mount && !r.mount.rw) throw new InvalidArgumentError('mounted volume is marked read-only');
  if (!r.mount && readonlyRootfs) throw new InvalidArgumentError('container rootfs is marked read-only');
}

interface CopyJob {
  src: string;
  view: ContainerFsView;
  /** Resolved container path of the extraction point. */
  base: string;
  ro: boolean;
  noOverwriteDirNonDir: boolean;
}

async function copyTree(job: CopyJob, rel: string): Promise<void> {
  const names = (await fs.readdir(path.join(job.src, rel))).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const from = path.join(job.src, r);
    const st = await fs.lstat(from);
    if (!st.isDirectory() && !st.isFile() && !st.isSymbolicLink()) continue;
    const containerTarget = path.posix.join(job.base, r);
    const target = await resolveInView(job.view, containerTarget, false);
    checkWritable(target, job.ro);
    const to = target.host;
    const existing = await fs.lstat(to).catch(() => undefined);
    const mountPoint = target.mount !== undefined && target.mount.destination === target.path;
    if (mountPoint && (!st.isDirectory() || !existing?.isDirectory())) {
      throw new InvalidArgumentError(`cannot replace ${containerTarget}: it is a mount point (device or resource busy)`);
    }
    if (st.isDirectory()) {
      if (existing && !existing.isDirectory()) {
        if (job.noOverwriteDirNonDir) throw new InvalidArgumentError(`cannot overwrite non-directory ${containerTarget} with directory`);
        await fs.rm(to, { recursive: true, force: true });
      }
      if (!existing || !existing.isDirectory()) await fs.mkdir(to);
      await copyTree(job, r);
      await fs.lchown(to, st.uid, st.gid);
      await fs.chmod(to, st.mode & 0o7777);
      await fs.utimes(to, st.atime, st.mtime);
      continue;
    }
    if (existing?.isDirectory()) {
      if (job.noOverwriteDirNonDir) throw new InvalidArgumentError(`cannot overwrite directory ${containerTarget} with non-directory`);
      await fs.rm(to, { recursive: true, force: true });
    } else if (existing) {
      await fs.unlink(to);
    }
    if (st.isSymbolicLink()) {
      await fs.symlink(await fs.readlink(from), to);
      await fs.lchown(to, st.uid, st.gid);
    } else {
      await fs.copyFile(from, to);
      await fs.lchown(to, st.uid, st.gid);
      await fs.chmod(to, st.mode & 0o7777); // after chown: chown clears setuid/setgid
      await fs.utimes(to, st.atime, st.mtime);
    }
  }
}
