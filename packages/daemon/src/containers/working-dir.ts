import * as fs from 'node:fs';
import { InternalError } from '@berth/errdefs';
import { RootView, cleanPath, makeMissing, type ViewMountInput } from '@berth/fs';
import { followSymlinkInScope } from './follow-symlink-in-scope';
import { firstMissingInReadOnlyMount } from './first-missing-in-read-only-mount';

/** Docker's error when the working directory is not a directory (SetupWorkingDirectory; a 500). */
function notADirectory(workingDir: string, cause?: unknown): InternalError {
  return new InternalError(`Cannot mkdir: ${workingDir} is not a directory`, { cause });
}

/**
 * Docker's SetupWorkingDirectory, run at create (createContainerOSSpecificSettings, so that
 * `docker diff` of a created container shows it) and again at start (its spec): the working
 * directory is followed in the container's rootfs alone, with no volume mounted
 * (FollowSymlinkInScope: `-w /data` where the image's `/data` is a link to a missing
 * `/missing/x` makes `/missing/x`), and what is missing is made 0755, owned by root. Here the
 * walk is @berth/fs's, in the kernel, never leaving the root, past the missing parts, and the
 * making is by *at calls on its fds (a link put there meanwhile is refused, never followed).
 * The working directory itself not a directory is docker's `Cannot mkdir: /etc/passwd is not a
 * directory`; a file on the way (`/etc/passwd/x`) or a loop the resolution's errors (500s).
 * `rootfs` is the mounted rootfs; `workingDir` absolute and cleaned (see `cleanWorkingDir`).
 */
export function createWorkingDir(rootfs: string, workingDir: string | undefined): void {
  if (!workingDir || workingDir === '/' || !workingDir.startsWith('/')) return;
  const view = RootView.open(rootfs);
  try {
    const r = followSymlinkInScope(view, workingDir);
    try {
      if (r.missing === 0) {
        if (!fs.fstatSync(r.fd).isDirectory()) throw notADirectory(workingDir);
        return;
      }
      try {
        makeMissing(r, 'dir');
      } catch (err) {
        // a file or a link put in the way meanwhile
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR' || code === 'EEXIST') throw notADirectory(workingDir, err);
        throw err;
      }
    } finally {
      r.close();
    }
  } finally {
    view.close();
  }
}

/**
 * The working directory as docker stores it at create (SetupWorkingDirectory's `filepath.Clean`:
 * `/a/b/../c/` is `/a/c`); '' stays '', and so does a relative one (an image's; the create
 * body's is refused before).
 */
export function cleanWorkingDir(workingDir: string | undefined): string {
  return workingDir?.startsWith('/') ? cleanPath(workingDir) : (workingDir ?? '');
}

/**
 * The working directory inside a read-only mount where it does not exist: Docker's runtime
 * (runc) makes the missing working directory inside the container after the mounts, so there it
 * fails with `mkdir /r/sub: read-only file system`; crun makes it before it remounts a bind
 * read-only, and so would write into the host directory of a `:ro` bind. Checked before either
 * runtime runs, with the spec's mounts laid over the rootfs in their order (`laid`: binds and
 * volumes; `tmpfsAt`: tmpfs destinations, always writable), and refused with runc's words. A
 * working directory that exists, or lies in a writable mount, a tmpfs or the rootfs (made at
 * create), passes.
 */
export function refuseWorkingDirInReadOnlyMount(rootfs: string, laid: readonly ViewMountInput[], tmpfsAt: readonly string[], workingDir: string | undefined): void {
  if (!workingDir || workingDir === '/' || !workingDir.startsWith('/') || !laid.some((m) => !m.rw)) return;
  const view = RootView.open(rootfs, laid);
  try {
    let r;
    try {
      r = view.resolve(workingDir, { followLast: true, pastMissing: true });
    } catch {
      return; // a file or a loop in the way: the runtime reports it
    }
    try {
      const first = firstMissingInReadOnlyMount(r, tmpfsAt);
      if (first !== undefined) throw new InternalError(`OCI runtime create failed: error during container init: mkdir ${first}: read-only file system`);
    } finally {
      r.close();
    }
  } finally {
    view.close();
  }
}
