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
  /** How many trailing components of `path` do not exist (more than 1 only with PAST_MISSING). */
  missing: number;
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
  /**
   * Times in seconds (fractional); or exact: whole seconds and, as two more arguments, their
   * nanoseconds (a double of seconds since 1970 holds about a quarter of a microsecond).
   */
  utimensat(dirFd: number, name: PathLike, atime: number, mtime: number, atimeNsec?: number, mtimeNsec?: number): void;
  readlinkat(dirFd: number, name: PathLike): Buffer;
  /** An extended attribute on `name` in dirFd ('' dirFd itself), never following a symlink (a symlink: EOPNOTSUPP where the kernel has no setxattrat). */
  setxattrAt(dirFd: number, name: PathLike, key: string, value: Buffer): void;
  /**
   * A whole small file in one call: created O_CREAT|O_EXCL|O_NOFOLLOW (mode & 0777) in dirFd,
   * `data` written, owner then mode set only where the new file differs, times set, closed.
   * False (nothing done) when something already exists at name; on a later error the file is
   * removed and the error thrown.
   */
  createFile(dirFd: number, name: PathLike, data: Buffer, uid: number, gid: number, mode: number, atime: number, mtime: number): boolean;
  /**
   * createFile for a batch, in order from `from`: per file BATCH_FIELDS numbers in `meta`
   * (dirFd, name offset and length in `arena`, data offset and length there, uid, gid, mode,
   * atime, mtime). Returns the index of the first file not created because something exists at
   * its name (`count`: all created); the caller applies its replace rules to it and goes on
   * from the next. async: run on a libuv worker thread, a Promise of the same; meta, arena and
   * the directory fds must stay untouched until it settles. A failure (a Node-style errno error,
   * `path` the name) removes the failing file; the files after it are not done.
   */
  createFiles(meta: Float64Array, arena: Buffer, count: number, from: number, async: false): number;
  createFiles(meta: Float64Array, arena: Buffer, count: number, from: number, async: true): Promise<number>;
  /**
   * A regular file of at most `max` bytes with one link and no xattrs, opened O_NOFOLLOW in
   * dirFd and read whole: [mode, uid, gid, size, mtimeSec, data, mtimeNsec, atimeSec, atimeNsec]
   * (metadata from the open fd, times from before the read), or null when it is anything else
   * (or gone).
   */
  readSmallFile(dirFd: number, name: PathLike, max: number): [number, number, number, number, number, Buffer, number, number, number] | null;
}

/** Numbers per file in createFiles' meta. */
export const BATCH_FIELDS = 10;

/** resolve() flags. */
export const FOLLOW_LAST = 1;
export const MKDIR_PARENTS = 2;
export const PAST_MISSING = 4;

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
