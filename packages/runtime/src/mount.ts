import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InternalError, InvalidArgumentError } from '@berth/errdefs';
import type { MountDescription } from './types';
import { run } from './exec-file';

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** True when `target` is a mount point in this process's mount namespace. */
export async function isMountPoint(target: string): Promise<boolean> {
  const abs = path.resolve(target);
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4 && unescapeMountinfo(f[4]) === abs) return true;
  }
  return false;
}

/**
 * Performs the mount descriptions (as the image-store's snapshotter returns them) onto `target`,
 * in order. Runs the `mount` command from each description's `cwd`, so overlay lowerdirs may be
 * short relative link names (the kernel resolves them against the caller's cwd).
 * Idempotent: when `target` is already a mount point (e.g. after a daemon crash), nothing is done.
 */
export async function mountRootfs(mounts: MountDescription[], target: string, signal?: AbortSignal): Promise<void> {
  if (mounts.length === 0) throw new InvalidArgumentError(`rootfs "${target}": no mounts to perform`);
  await fs.mkdir(target, { recursive: true });
  if (await isMountPoint(target)) return;
  for (const m of mounts) {
    if (/[,]/.test(m.type) || m.type.startsWith('-')) throw new InvalidArgumentError(`mount type "${m.type}": invalid`);
    const isBind = m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind');
    const opts = isBind && !m.options.some((o) => o === 'bind' || o === 'rbind') ? ['bind', ...m.options] : m.options;
    const args = isBind ? [] : ['-t', m.type];
    if (opts.length) args.push('-o', opts.join(','));
    args.push('--', m.source, target);
    const r = await run('mount', args, { cwd: m.cwd, signal });
    if (r.code !== 0) {
      await unmountRootfs(target).catch(() => undefined);
      throw new InternalError(`rootfs "${target}": mount ${m.type} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    }
  }
}

/**
 * Unmounts everything mounted on `target` (stacked mounts too). Safe when nothing is mounted or
 * the directory is gone; falls back to a lazy unmount when the mount is busy.
 */
export async function unmountRootfs(target: string): Promise<void> {
  const abs = path.resolve(target);
  for (let i = 0; i < 32; i++) {
    let mounted: boolean;
    try {
      mounted = await isMountPoint(abs);
    } catch {
      return;
    }
    if (!mounted) return;
    const r = await run('umount', [abs]);
    if (r.code !== 0) {
      const lazy = await run('umount', ['-l', abs]);
      if (lazy.code !== 0 && (await isMountPoint(abs))) {
        throw new InternalError(`rootfs "${abs}": unmount failed: ${lazy.stderr.trim() || r.stderr.trim()}`);
      }
    }
  }
  throw new InternalError(`rootfs "${abs}": still mounted after 32 unmounts`);
}
