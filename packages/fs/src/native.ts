import * as path from 'node:path';
import { FailedPreconditionError } from '@berth/errdefs';

/** A name or path: a string (UTF-8) or a Buffer of raw bytes (names that are not UTF-8). */
export type PathLike = string | Buffer;

/** What resolve() hands back: O_PATH fds the caller closes. */
export interface NativeResolved {
  /** The parent directory (-1 for the root). */
  parent: number;
  /** The object itself (-1 when the last component does not exist). */
  fd: number;
  /** The resolved container path (`/`, `/srv/d`). */
  path: Buffer;
  /** Index of the mount the path lies in (-1: the root). */
  mount: number;
}

/** The calls of the package's N-API addon (native/src/berth_fs.c); `name` is always one component. */
export interface FsNative {
  /** With startFd: `p` is relative to that directory, resolved at container path startPath in mount startMount. */
  resolve(rootFd: number, dests: PathLike[], mountFds: number[], p: PathLike, flags: number, startFd?: number, startPath?: PathLike, startMount?: number): NativeResolved;
  openRoot(p: PathLike): number;
  openat(dirFd: number, name: PathLike, flags: number, mode: number): number;
  /** [mode, uid, gid, size, mtimeSec, mtimeNsec, nlink, rdev, ino, dev], or null when absent. */
  lstatat(dirFd: number, name: PathLike): number[] | null;
  mkdirat(dirFd: number, name: PathLike, mode: number): void;
  symlinkat(target: PathLike, dirFd: number, name: PathLike): void;
  mknodat(dirFd: number, name: PathLike, mode: number, major: number, minor: number): void;
  linkat(oldDirFd: number, oldName: PathLike, newDirFd: number, newName: PathLike): void;
  renameat(oldDirFd: number, oldName: PathLike, newDirFd: number, newName: PathLike): void;
  unlinkat(dirFd: number, name: PathLike, isDir: boolean): void;
  removeAllAt(dirFd: number, name: PathLike): void;
  fchownat(dirFd: number, name: PathLike, uid: number, gid: number): void;
  fchmodat(dirFd: number, name: PathLike, mode: number): void;
  utimensat(dirFd: number, name: PathLike, atime: number, mtime: number): void;
  readlinkat(dirFd: number, name: PathLike): Buffer;
  /**
   * A whole small file in one call: created O_CREAT|O_EXCL|O_NOFOLLOW (mode & 0777) in dirFd,
   * `data` written, owner then mode set only where the new file differs, times set, closed.
   * False (nothing done) when something already exists at name; on a later error the file is
   * removed and the error thrown.
   */
  createFile(dirFd: number, name: PathLike, data: Buffer, uid: number, gid: number, mode: number, atime: number, mtime: number): boolean;
  /**
   * A regular file of at most `max` bytes with one link and no xattrs, opened O_NOFOLLOW in
   * dirFd and read whole: [mode, uid, gid, size, mtimeSec, data] (metadata from the open fd), or
   * null when it is anything else (or gone).
   */
  readSmallFile(dirFd: number, name: PathLike, max: number): [number, number, number, number, number, Buffer] | null;
}

/** resolve() flags. */
export const FOLLOW_LAST = 1;
export const MKDIR_PARENTS = 2;

// src and dist sit at the same depth below the package root.
const ADDON_PATH = path.join(__dirname, '..', 'native', 'build', 'Release', 'berth_fs.node');

let cached: FsNative | undefined;

/** Loads the addon once; a missing build is a clear FailedPreconditionError naming the fix. */
export function fsNative(): FsNative {
  if (cached === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = require(ADDON_PATH) as FsNative;
    } catch (err) {
      throw new FailedPreconditionError(`fs native addon "${ADDON_PATH}": cannot load (run \`npm run build:native -w @berth/fs\`)`, { cause: err });
    }
  }
  return cached;
}
