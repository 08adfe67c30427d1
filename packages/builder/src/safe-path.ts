import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';

/**
 * Resolves `p` (absolute inside `root`) to a host path under `root`, following symlinks the way
 * they resolve inside the root (an absolute target restarts at `root`; `..` stops at `root`).
 * The last component is not followed unless `followLast`. Never escapes `root`.
 */
export async function resolveInRoot(root: string, p: string, followLast = false): Promise<string> {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  const done: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = path.join(root, ...done, part);
    const isLast = parts.length === 0;
    let st;
    try {
      st = await fs.lstat(candidate);
    } catch {
      // missing: the rest cannot contain symlinks
      done.push(part, ...parts.filter((x) => x !== '..'));
      break;
    }
    if (st.isSymbolicLink() && (!isLast || followLast)) {
      if (++hops > 40) throw new InvalidArgumentError(`${p}: too many levels of symbolic links`);
      const target = await fs.readlink(candidate);
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}

/** `rel` joined to `root`, refusing anything that climbs out of it. */
export function insideRoot(root: string, rel: string): string | undefined {
  const full = path.resolve(root, rel);
  if (full !== root && !full.startsWith(root + path.sep)) return undefined;
  return full;
}
