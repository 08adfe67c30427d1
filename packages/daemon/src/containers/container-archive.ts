import { spawn } from 'node:child_process';
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';

/**
 * `docker cp` out of a container (GET/HEAD /containers/{id}/archive) on its mounted rootfs.
 *
 * Paths are the container's: every symlink met on the way is resolved inside the rootfs (as if
 * chrooted, docker's FollowSymlinkInScope), so a link to `/etc` means the container's /etc and
 * nothing outside the rootfs is ever read. The last component is not followed (docker copies a
 * symlink as a symlink) unless the path ends in `/` or `/.`.
 */

const MAX_LINKS = 255;

/** Resolves `p` (absolute, container view) to a host path inside `root`, following symlinks in scope. */
export async function resolveInRoot(root: string, p: string, followLast: boolean): Promise<string> {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  let cur: string[] = [];
  let links = 0;
  while (parts.length > 0) {
    const name = parts.shift()!;
    if (name === '..') {
      cur.pop();
      continue;
    }
    const next = [...cur, name];
    const last = parts.length === 0;
    const host = path.join(root, ...next);
    const st = await fs.lstat(host).catch(() => undefined);
    if (st?.isSymbolicLink() && (!last || followLast)) {
      if (++links > MAX_LINKS) throw new InvalidArgumentError(`path ${p}: too many levels of symbolic links`);
      const target = await fs.readlink(host);
      if (target.startsWith('/')) cur = [];
      parts.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    cur = next;
  }
  return path.join(root, ...cur);
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

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface ResolvedPath {
  /** Host path inside the rootfs. */
  host: string;
  stat: PathStat;
}

/**
 * Resolves and stats a container path; NotFoundError with docker's message when it is missing.
 * `containerRef` is the container as the client named it.
 */
export async function statContainerPath(rootfs: string, p: string, containerRef: string): Promise<ResolvedPath> {
  if (!p.startsWith('/')) p = `/${p}`;
  const followLast = p.endsWith('/') || p.endsWith('/.');
  const host = await resolveInRoot(rootfs, p, followLast);
  const st = await fs.lstat(host).catch(() => undefined);
  if (!st) throw new NotFoundError(`Could not find the file ${p} in container ${containerRef}`);
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    const t = await fs.readlink(host);
    linkTarget = t.startsWith('/') ? t : path.posix.join(path.posix.dirname(p), t);
  }
  const name = host === path.resolve(rootfs) ? '/' : path.basename(host);
  return {
    host,
    stat: { name, size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget },
  };
}

/** The stat header value: base64 of the JSON. */
export function pathStatHeader(s: PathStat): string {
  return Buffer.from(JSON.stringify(s)).toString('base64');
}

/**
 * A tar of one path, its entries named from the path's basename (`d/`, `d/f.txt`), symlinks kept
 * as links, owners numeric: GNU tar run on the host over the already resolved path (it does not
 * follow links inside the tree).
 */
export function tarPath(host: string, rootfs: string): Readable {
  const isRoot = path.resolve(host) === path.resolve(rootfs);
  const cwd = isRoot ? host : path.dirname(host);
  const member = isRoot ? '.' : path.basename(host);
  const child = spawn('tar', ['--numeric-owner', '--format=gnu', '-C', cwd, '-cf', '-', '--', member], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const out = child.stdout;
  child.on('close', (code) => {
    // exit 1: a file changed while it was read (a running container); the archive is still whole.
    if (code !== null && code > 1) out.destroy(new Error(`tar: exit ${code}: ${stderr.trim()}`));
  });
  out.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return out;
}

/** Unpacks a tar into an empty directory (image-store's unpackLayer: hostile tars are refused). */
export type TarExtractor = (input: Readable, emptyDir: string, opts?: { signal?: AbortSignal }) => Promise<unknown>;

/**
 * `docker cp` into a container (PUT /containers/{id}/archive?path=DIR): the tar is first
 * unpacked into a private empty directory on the host (nothing in it can point outside), then
 * copied into DIR of the mounted rootfs entry by entry, each parent resolved inside the rootfs
 * and any existing symlink at a destination name replaced, never followed. Ownership, modes and
 * mtimes come from the tar. FIFOs and devices are skipped.
 */
export async function extractIntoContainer(opts: {
  rootfs: string;
  containerPath: string;
  containerRef: string;
  input: Readable;
  scratchDir: string;
  extract: TarExtractor;
  noOverwriteDirNonDir?: boolean;
  signal?: AbortSignal;
}): Promise<void> {
  const dest = await statContainerPath(opts.rootfs, opts.containerPath.endsWith('/') ? opts.containerPath : `${opts.containerPath}/`, opts.containerRef);
  if ((dest.stat.mode & 0x80000000) === 0) throw new InvalidArgumentError(`extraction point is not a directory: ${opts.containerPath}`);
  await fs.rm(opts.scratchDir, { recursive: true, force: true });
  await fs.mkdir(opts.scratchDir, { recursive: true, mode: 0o700 });
  try {
    await opts.extract(opts.input, opts.scratchDir, { signal: opts.signal });
    const base = opts.containerPath.startsWith('/') ? opts.containerPath : `/${opts.containerPath}`;
    await copyTree(opts.scratchDir, '', opts.rootfs, base, Boolean(opts.noOverwriteDirNonDir));
  } finally {
    await fs.rm(opts.scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function copyTree(src: string, rel: string, rootfs: string, base: string, noOverwriteDirNonDir: boolean): Promise<void> {
  const names = (await fs.readdir(path.join(src, rel))).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const from = path.join(src, r);
    const st = await fs.lstat(from);
    const containerTarget = path.posix.join(base, r);
    const parent = await resolveInRoot(rootfs, path.posix.dirname(containerTarget), true);
    const to = path.join(parent, name);
    const existing = await fs.lstat(to).catch(() => undefined);
    if (st.isDirectory()) {
      if (existing && !existing.isDirectory()) {
        if (noOverwriteDirNonDir) throw new InvalidArgumentError(`cannot overwrite non-directory ${containerTarget} with directory`);
        await fs.rm(to, { recursive: true, force: true });
      }
      if (!existing || !existing.isDirectory()) await fs.mkdir(to);
      await copyTree(src, r, rootfs, base, noOverwriteDirNonDir);
      await fs.lchown(to, st.uid, st.gid);
      await fs.chmod(to, st.mode & 0o7777);
      await fs.utimes(to, st.atime, st.mtime);
      continue;
    }
    if (!st.isFile() && !st.isSymbolicLink()) continue;
    if (existing?.isDirectory()) {
      if (noOverwriteDirNonDir) throw new InvalidArgumentError(`cannot overwrite directory ${containerTarget} with non-directory`);
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
