import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { MountDescription } from '@berth/runtime';

/** One line of `docker diff`: Kind 0 changed, 1 added, 2 deleted. */
export interface ContainerChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** An overlay whiteout: a 0/0 character device. */
function isWhiteout(st: import('node:fs').Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** The image's layer dirs (top first) of an overlay mount, without the init layer. */
export function imageLowerDirs(mounts: MountDescription[], initDir: string): string[] {
  const m = mounts.find((x) => x.type === 'overlay');
  const lower = m?.options.find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length);
  if (!m || !lower) return [];
  return lower
    .split(':')
    .map((p) => (m.cwd && !path.isAbsolute(p) ? path.resolve(m.cwd, p) : p))
    .filter((p) => path.resolve(p) !== path.resolve(initDir));
}

/** Whether `rel` exists in the image (the topmost layer having it decides; a whiteout hides it). */
async function inImage(lowers: string[], rel: string): Promise<boolean> {
  for (const dir of lowers) {
    const st = await fs.lstat(path.join(dir, rel)).catch(() => undefined);
    if (st) return !isWhiteout(st);
    // a whiteout of a parent in this layer also hides it
    let parent = path.dirname(rel);
    while (parent !== '/' && parent !== '.') {
      const wh = await fs.lstat(path.join(dir, path.dirname(parent), `.wh.${path.basename(parent)}`)).catch(() => undefined);
      if (wh) return false;
      parent = path.dirname(parent);
    }
  }
  return false;
}

/**
 * `docker diff`: walks the container's upper dir. Whiteouts are deletions; entries the image has
 * are changes (directories too, as overlayfs copies a directory up when something in it changes);
 * the rest are additions. Sorted by path; docker answers `null` for no changes.
 */
export async function containerChanges(upperDir: string, lowers: string[]): Promise<ContainerChange[]> {
  const out: ContainerChange[] = [];
  async function walk(rel: string): Promise<void> {
    const names = await fs.readdir(path.join(upperDir, rel)).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const r = path.posix.join(rel, name);
      const st = await fs.lstat(path.join(upperDir, r));
      if (isWhiteout(st)) {
        out.push({ Path: r, Kind: 2 });
        continue;
      }
      const existed = await inImage(lowers, r);
      out.push({ Path: r, Kind: existed ? 0 : 1 });
      if (st.isDirectory()) await walk(r);
    }
  }
  await walk('/');
  out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
  return out;
}
