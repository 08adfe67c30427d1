import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { HostProblem } from './types';

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string): Promise<string | undefined> {
  if (name.includes('/')) return (await exists(name)) ? name : undefined;
  const dirs = (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  for (const d of [...dirs, '/usr/sbin', '/sbin']) {
    const p = path.join(d, name);
    try {
      await fs.access(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * Checks what running containers needs from the host. Returns one problem per missing piece,
 * each a single line naming the fix; an empty list means all is well.
 */
export async function checkHost(opts: { runtime?: 'runc' | 'crun'; runtimeBinary?: string; shimPath?: string } = {}): Promise<HostProblem[]> {
  const problems: HostProblem[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    problems.push({ key: 'root', message: 'berthd must run as root to create containers: start it with sudo or as root' });
  }
  const filesystems = await fs.readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\boverlay\b/.test(filesystems)) {
    problems.push({ key: 'overlayfs', message: 'overlayfs is not available in this kernel: run "modprobe overlay" (or enable CONFIG_OVERLAY_FS)' });
  }
  const cgroups = await fs.readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  const hasCgroupFs = (await exists('/sys/fs/cgroup/cgroup.controllers')) || (await exists('/sys/fs/cgroup/memory')) || (await exists('/sys/fs/cgroup/pids'));
  if (!cgroups.trim() || !hasCgroupFs) {
    problems.push({ key: 'cgroups', message: 'cgroups are not mounted at /sys/fs/cgroup: mount cgroup2 (mount -t cgroup2 none /sys/fs/cgroup) or the v1 controllers' });
  }
  const name = opts.runtime ?? 'runc';
  const bin = await findOnPath(opts.runtimeBinary ?? name);
  if (!bin) {
    problems.push({ key: 'runtime', message: `OCI runtime "${opts.runtimeBinary ?? name}" not found: install it: apt-get install -y ${name}` });
  }
  if (opts.shimPath !== undefined && !(await exists(opts.shimPath))) {
    problems.push({ key: 'shim', message: `berth-shim not found at ${opts.shimPath}: build it: npm run build:native -w @berth/runtime` });
  }
  return problems;
}
