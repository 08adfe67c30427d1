import { InternalError, InvalidArgumentError } from '@berth/errdefs';
import { cleanPath, type ResolvedPath } from '@berth/fs';
import type { ContainerFsView } from './container-fs-view';

/**
 * moby's FollowSymlinkInScope of `absPath` in `view` (archive paths, the working directory, an
 * anonymous volume's destination): resolved past missing parts, creating nothing, with docker's
 * errors: a file in the way its failed lstat (500, `lstat /etc/passwd/x: not a directory`, the
 * container path where docker names the host's), a loop `evalSymlinksInScope: too many links in
 * P` (500). The caller closes the result.
 */
export function followSymlinkInScope(view: ContainerFsView, absPath: string): ResolvedPath {
  try {
    return view.resolve(absPath, { followLast: true, pastMissing: true });
  } catch (err) {
    if (err instanceof InvalidArgumentError && /: not a directory$/.test(err.message)) throw new InternalError(`lstat ${err.message}`, { cause: err });
    if (isSymlinkLoop(err)) throw tooManyLinks(absPath, err);
    throw err;
  }
}

/** The view's resolution met a symlink loop (ELOOP: more than 255 links on the way). */
export function isSymlinkLoop(err: unknown): boolean {
  return err instanceof InvalidArgumentError && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ELOOP';
}

/**
 * Docker 20.10's answer to a symlink loop on a path (cp, the working directory, a volume's
 * destination; moby's FollowSymlinkInScope gives up after 255 steps and the daemon answers
 * 500): `evalSymlinksInScope: too many links in P`, where
 * docker names the host path of what it resolved (`/var/lib/docker/overlay2/…/merged/loop`)
 * and berthd the container path `p` (the host's layout stays hidden).
 */
export function tooManyLinks(p: string, cause: unknown): InternalError {
  return new InternalError(`evalSymlinksInScope: too many links in ${cleanPath(p)}`, { cause });
}
