import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { RootView, cleanPath, fdPath } from '@berth/fs';

/**
 * Resolves `p` (absolute inside `root`) to a host path under `root`, following symlinks the way
 * they resolve inside the root (an absolute target restarts at `root`; `..` stops at `root`).
 * The last component is not followed unless `followLast`. Never escapes `root`.
 *
 * The resolution is @berth/fs's, in the kernel; the host path is read back from the fd it
 * returned. The builder then opens that path by name: safe here because the roots it resolves
 * in (a stage's image, mounted for COPY --from and for the checks of COPY's destination) have no
 * process running in them while it does. A path whose parent is missing comes back cleaned
 * lexically below `root` (it does not exist either way), as does one through a non-directory.
 */
export async function resolveInRoot(root: string, p: string, followLast = false): Promise<string> {
  const view = RootView.open(root);
  try {
    let r;
    try {
      r = view.resolve(p, { followLast });
    } catch (err) {
      const missing = err instanceof NotFoundError || (err instanceof InvalidArgumentError && /not a directory/.test(err.message));
      if (missing) return path.join(root, cleanPath(p));
      throw err;
    }
    try {
      if (r.fd >= 0) return fs.readlinkSync(fdPath(r.fd));
      return path.join(fs.readlinkSync(fdPath(r.parent)), r.name.toString('utf8'));
    } finally {
      r.close();
    }
  } finally {
    view.close();
  }
}
