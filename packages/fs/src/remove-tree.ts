import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fsNative } from './native';

/**
 * `rm -rf p` that also removes what lies deeper than PATH_MAX below p. node's `fs.rm` unlinks by
 * whole path, so a tree holding a path over 4,096 bytes once under p (a container or a build can
 * make one: its own paths are measured from its root, not from berthd's data root) fails with
 * ENAMETOOLONG and stays; Go's os.RemoveAll, which Docker uses, works by fd. The common case stays
 * node's (async, on the thread pool); only ENAMETOOLONG goes to the addon's `removeAllAt`, which
 * works by fd and name (synchronously: rare, and it must not leave a half-removed tree).
 */
export async function removeTree(p: string): Promise<void> {
  try {
    await fs.rm(p, { recursive: true, force: true });
  } catch (err) {
    removeDeep(p, err);
  }
}

/** removeTree, synchronously (for a process's exit path, e.g. a test harness's clean-up). */
export function removeTreeSync(p: string): void {
  try {
    fsSync.rmSync(p, { recursive: true, force: true });
  } catch (err) {
    removeDeep(p, err);
  }
}

/** The fallback of both: after node's ENAMETOOLONG, the addon's removal by fd and name (any other error rethrown). */
function removeDeep(p: string, err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENAMETOOLONG') throw err;
  const parent = fsSync.openSync(path.dirname(p), fsSync.constants.O_RDONLY | fsSync.constants.O_DIRECTORY);
  try {
    fsNative().removeAllAt(parent, path.basename(p));
  } finally {
    fsSync.closeSync(parent);
  }
}
