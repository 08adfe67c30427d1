import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InternalError } from '@berth/errdefs';
import { runtimeNative } from './native-addon';

/**
 * Removes a bundle (or any directory tree) and everything in it; a missing one is fine.
 *
 * With the package's addon it is one native job (one libuv pool thread for the whole tree, so the
 * next container's file and database work is not queued behind dozens of unlinks) that never
 * follows a symlink nor enters another file system: a mount left inside makes it fail rather
 * than empty that mount. Without the addon: `fs.rm` (recursive).
 */
export async function removeBundle(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  if (abs === '/') throw new InternalError('removeBundle: refusing to remove /');
  const native = runtimeNative();
  if (!native) {
    await fs.rm(abs, { recursive: true, force: true });
    return;
  }
  await new Promise<void>((resolve, reject) =>
    native.removeTree(abs, (err) =>
      err ? reject(new InternalError(`bundle "${abs}": cannot remove: ${err.message}`, { cause: err })) : resolve(),
    ),
  );
}
