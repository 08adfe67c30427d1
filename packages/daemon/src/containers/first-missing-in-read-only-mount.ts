import * as path from 'node:path';
import { isWithin, type ResolvedPath } from '@berth/fs';

/**
 * runc's rule for something to be made inside a read-only mount (a mount target, the working
 * directory): a path resolved past missing components (`pastMissing`) whose mount is read-only
 * cannot be made there, unless a tmpfs laid inside that mount covers it (`tmpfsAt`: where the
 * tmpfs mounts land; always writable). Returns the first missing directory, the one runc's
 * MkdirAll names in `mkdir X: read-only file system`; undefined when the path exists, lies in a
 * writable mount, in a tmpfs inside the read-only one, or in the rootfs.
 */
export function firstMissingInReadOnlyMount(r: Pick<ResolvedPath, 'path' | 'missing' | 'mount'>, tmpfsAt: readonly string[]): string | undefined {
  const mount = r.mount;
  if (r.missing === 0 || !mount || mount.rw) return undefined;
  if (tmpfsAt.some((t) => isWithin(t, r.path) && isWithin(mount.destination, t))) return undefined;
  let first = r.path;
  for (let i = 1; i < r.missing; i++) first = path.posix.dirname(first);
  return first;
}
