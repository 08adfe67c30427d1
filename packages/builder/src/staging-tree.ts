import * as fs from 'node:fs';
import * as path from 'node:path';
import { fdPath, fsAt, removeTree } from '@berth/fs';

/** Linux O_PATH (Node's fs.constants has no name for it). */
const O_PATH = 0o10000000;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** A directory of a staging tree, held by its O_PATH fd (never reached again by a path). */
export interface StagedDir {
  readonly fd: number;
  close(): void;
}

/** Owner, mode and times given to what a step writes. */
export interface StagedMeta {
  uid: number;
  gid: number;
  mode: number;
  /** Seconds (fractions kept), as the addon's utimensat takes them. */
  atime: number;
  mtime: number;
}

/**
 * A build step's private staging dir (the layer of a COPY, ADD or WORKDIR, committed from it),
 * written only by *at calls of @berth/fs on file descriptors held open: each directory is made
 * and opened by one name in its parent's fd, never following a symlink, and what a step puts at
 * a name is created there by that fd (O_EXCL, O_NOFOLLOW). What a hostile context or image holds
 * (a symlink an earlier source left at a name, a destination deeper than PATH_MAX once under the
 * data root) can neither send a write to a host path nor fail on berthd's own path length.
 */
export class StagingTree implements StagedDir {
  private open = true;

  private constructor(
    /** Host path of the tree (given to the committer; never written through here). */
    readonly path: string,
    readonly fd: number,
  ) {}

  /** A fresh directory in `tmpDir` (`prefix` + random), held by fd. */
  static async create(tmpDir: string, prefix: string): Promise<StagingTree> {
    const p = await fs.promises.mkdtemp(path.join(tmpDir, prefix));
    try {
      return new StagingTree(p, fsAt().openRoot(p));
    } catch (err) {
      await removeTree(p);
      throw err;
    }
  }

  close(): void {
    if (this.open) fs.closeSync(this.fd);
    this.open = false;
  }

  /** Closes the fd and removes the tree (by fd past PATH_MAX: @berth/fs removeTree). */
  async remove(): Promise<void> {
    this.close();
    await removeTree(this.path);
  }
}

/** Holds the directory `name` of `parent` (a symlink there is refused, never followed). */
export function openDir(parent: number, name: string): StagedDir {
  const fd = fsAt().openat(parent, name, O_PATH | fs.constants.O_DIRECTORY, 0);
  return held(fd);
}

/** A second hold on a directory already held (its own fd, closed on its own). */
export function reopenDir(fd: number): StagedDir {
  return held(fsAt().openat(fd, '', O_PATH | fs.constants.O_DIRECTORY, 0));
}

/**
 * Makes `name` in `parent` a directory of its own and holds it: an existing directory is kept,
 * anything else there (a symlink, a file an earlier source of the same COPY left) is removed
 * first, as moby's untar does (RemoveAll unless both are directories). Never followed.
 */
export function realDirectory(parent: number, name: string, mode = 0o755): StagedDir {
  const at = fsAt();
  const st = at.lstatat(parent, name);
  if (st !== null && (st[0]! & S_IFMT) !== S_IFDIR) at.removeAllAt(parent, name);
  if (st === null || (st[0]! & S_IFMT) !== S_IFDIR) at.mkdirat(parent, name, mode);
  return openDir(parent, name);
}

/** Removes whatever is at `name` in `parent` (a directory with its contents), never following it. */
export function removeAt(parent: number, name: string): void {
  const at = fsAt();
  if (at.lstatat(parent, name) !== null) at.removeAllAt(parent, name);
}

/** Owner, then mode (chown clears setuid/setgid), then times of `name` in `parent`, never following it. */
export function setMeta(parent: number, name: string, m: Partial<StagedMeta> & { uid: number; gid: number }): void {
  const at = fsAt();
  at.fchownat(parent, name, m.uid, m.gid);
  if (m.mode !== undefined) at.fchmodat(parent, name, m.mode);
  if (m.atime !== undefined && m.mtime !== undefined) at.utimensat(parent, name, m.atime, m.mtime);
}

/** A symlink at `name` in `parent` (nothing may be there), owned by uid:gid. */
export function writeSymlink(parent: number, name: string, target: Buffer, uid: number, gid: number): void {
  const at = fsAt();
  at.symlinkat(target, parent, name);
  at.fchownat(parent, name, uid, gid);
}

/**
 * A copy of the file `srcPath` (a `/proc/self/fd/N` of a held source) at `name` in `parent`:
 * created O_EXCL|O_NOFOLLOW there (nothing may be at the name), the data copied into that very
 * file through its own fd (copyFile reopens `/proc/self/fd/M`, the object, not a name), then its
 * owner, mode and times.
 */
export async function copyFileAt(srcPath: string, parent: number, name: string, m: StagedMeta): Promise<void> {
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  const fd = fsAt().openat(parent, name, O_WRONLY | O_CREAT | O_EXCL, 0o600);
  try {
    await fs.promises.copyFile(srcPath, fdPath(fd));
    fs.fchownSync(fd, m.uid, m.gid);
    fs.fchmodSync(fd, m.mode);
    fs.futimesSync(fd, m.atime, m.mtime);
  } finally {
    fs.closeSync(fd);
  }
}

function held(fd: number): StagedDir {
  let open = true;
  return {
    fd,
    close: () => {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}
