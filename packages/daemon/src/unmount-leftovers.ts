import { promises as fs } from 'node:fs';
import { unmountRootfs } from '@berth/runtime';

/**
 * A crash can leave mounts under tmp/ (a build's read-only view of an image, an ADD's writable
 * overlay over its step's staging tree); unmount them, deepest first, before tmp/ is emptied:
 * the removal would fail on a read-only mount and go through a writable one.
 */
export async function unmountLeftovers(dir: string): Promise<void> {
  const mounts = await fs.readFile('/proc/self/mounts', 'utf8').catch(() => '');
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const targets = mounts
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((t): t is string => t !== undefined && t.replace(/\\040/g, ' ').startsWith(prefix))
    .map((t) => t.replace(/\\040/g, ' '))
    .sort((a, b) => b.length - a.length);
  for (const t of targets) await unmountRootfs(t);
}
