import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { MountDescription } from '@berth/runtime';

/**
 * The container's init layer, as Docker's: a small read-only directory placed above the image's
 * layers and below the container's own upper dir. It holds the mount points the runtime needs
 * (`/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`, `/dev/console`, `/proc`, `/sys`...) and
 * `/.dockerenv`, so that the runtime never has to create them in the container's writable layer:
 * `docker export` shows them (empty), while `commit` and `diff`, which read only the upper dir,
 * do not.
 */
const DIRS = ['dev', 'dev/pts', 'dev/shm', 'etc', 'proc', 'sys'];
const FILES = ['.dockerenv', 'dev/console', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf'];
const LINKS: [string, string][] = [['etc/mtab', '/proc/mounts']];

export const INIT_LAYER_DIR = 'init';

export function initLayerPath(containerDir: string): string {
  return path.join(containerDir, INIT_LAYER_DIR);
}

/** Creates `<containerDir>/init` with the placeholders (idempotent). */
export async function createInitLayer(containerDir: string): Promise<string> {
  const root = initLayerPath(containerDir);
  await fs.mkdir(root, { recursive: true, mode: 0o755 });
  // parents first, then everything of a level at once; a chmod only when the umask takes bits
  // of 0755 away (the daemon's is usually 022)
  const fixMode = (process.umask() & 0o755) !== 0;
  const mkdir = async (d: string): Promise<void> => {
    await fs.mkdir(path.join(root, d), { recursive: true, mode: 0o755 });
    if (fixMode) await fs.chmod(path.join(root, d), 0o755);
  };
  await settleAll(DIRS.filter((d) => !d.includes('/')).map(mkdir));
  const file = async (f: string): Promise<void> => {
    const p = path.join(root, f);
    await (await fs.open(p, 'a', 0o755)).close();
    if (fixMode) await fs.chmod(p, 0o755);
  };
  const link = ([l, target]: [string, string]): Promise<void> =>
    fs.symlink(target, path.join(root, l)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  await settleAll([...DIRS.filter((d) => d.includes('/')).map(mkdir), ...FILES.map(file), ...LINKS.map(link)]);
  return root;
}

/**
 * Puts the init layer on top of an overlay mount's lower dirs. Relative lowerdirs (the short
 * link names the snapshotter uses for many layers) stay relative: the init layer is named
 * relative to the mount's cwd too, keeping the options short.
 */
export function withInitLayer(mounts: MountDescription[], initDir: string): MountDescription[] {
  return mounts.map((m) => {
    if (m.type !== 'overlay') return m;
    const options = m.options.map((o) => {
      if (!o.startsWith('lowerdir=')) return o;
      const name = m.cwd ? path.relative(m.cwd, initDir) : initDir;
      return `lowerdir=${name}:${o.slice('lowerdir='.length)}`;
    });
    return { ...m, options };
  });
}

/** The mounts of a container: the snapshot's, with the init layer when the container has one. */
export async function containerMounts(snapshotMounts: MountDescription[], containerDir: string): Promise<MountDescription[]> {
  const initDir = initLayerPath(containerDir);
  const has = await fs.stat(initDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return has ? withInitLayer(snapshotMounts, initDir) : snapshotMounts;
}

/** Waits for every promise (none is left running), then throws the first failure. */
async function settleAll(ps: Promise<unknown>[]): Promise<void> {
  const rs = await Promise.allSettled(ps);
  for (const r of rs) if (r.status === 'rejected') throw r.reason;
}
