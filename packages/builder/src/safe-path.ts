import * as fs from 'node:fs';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { RootView, cleanPath, fdPath, fsAt } from '@berth/fs';

/**
 * An object of a root (a build context, a stage's image) resolved in the kernel by @berth/fs
 * and held by its O_PATH fd: what happens at its path afterwards does not change what is read.
 * `path` is `/proc/self/fd/N`, which the kernel resolves to the held object (for the calls that
 * take a path: readdir, open for reading); never `lstat` it (that is the magic link itself):
 * use `stat()`.
 */
export interface HeldPath {
  readonly fd: number;
  readonly path: string;
  stat(): fs.Stats;
  close(): void;
}

/**
 * Resolves `p` (absolute inside `root`; `..` stops at `root`, an absolute symlink target
 * restarts there) and holds what it names; the last component is followed when `followLast`.
 * Undefined when it does not exist (a missing parent, a non-directory in the way, a link loop).
 */
export function holdInRoot(root: string, p: string, followLast = false): HeldPath | undefined {
  const view = RootView.open(root);
  try {
    let r;
    try {
      r = view.resolve(p, { followLast });
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof InvalidArgumentError) return undefined;
      throw err;
    }
    if (r.fd < 0) {
      r.close();
      return undefined;
    }
    // the object's fd is kept (this HeldPath closes it), its parent's is not needed
    if (r.parent >= 0) fs.closeSync(r.parent);
    return held(r.fd);
  } finally {
    view.close();
  }
}

/**
 * Where `p` really is in `root`, as docker's FollowSymlinkInScope finds a COPY destination or a
 * WORKDIR: every symlink on the way followed in the root's scope (the last component's too), in
 * the kernel; what lies below the first missing component is kept as written, a dangling link
 * included (`/data -> /missing/x` gives `/missing/x`, which the step then makes, as moby's
 * copyFile and SetupWorkingDirectory MkdirAll it). Nothing is created here. A path that cannot
 * be followed (a loop, a file in the way) comes back cleaned lexically, for the caller's own
 * checks to refuse.
 */
export function resolvePathInRoot(root: string, p: string): string {
  const lexical = cleanPath(p);
  const view = RootView.open(root);
  try {
    const r = view.resolve(lexical, { followLast: true, pastMissing: true });
    r.close();
    return r.path;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof InvalidArgumentError) return lexical;
    throw err;
  } finally {
    view.close();
  }
}

/** Holds `name` in the held directory `dir`, never following it (undefined when gone). */
export function holdChild(dir: HeldPath, name: string): HeldPath | undefined {
  let fd: number;
  try {
    fd = fsAt().openat(dir.fd, name, O_PATH, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return held(fd);
}

/** Linux O_PATH (Node's fs.constants has no name for it). */
const O_PATH = 0o10000000;

function held(fd: number): HeldPath {
  let open = true;
  return {
    fd,
    path: fdPath(fd),
    stat: () => fs.fstatSync(fd),
    close: () => {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}
