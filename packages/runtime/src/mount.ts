import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InternalError, InvalidArgumentError } from '@berth/errdefs';
import type { MountDescription } from './types';
import { run } from './exec-file';
import { runtimeNative, type RuntimeNative } from './native-addon';

/** The kernel copies mount options into one page (with its NUL). */
const MAX_MOUNT_DATA = 4095;

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

async function isMountPointByMountinfo(abs: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4 && unescapeMountinfo(f[4]) === abs) return true;
  }
  return false;
}

/** True when `target` is a mount point in this process's mount namespace. */
export async function isMountPoint(target: string): Promise<boolean> {
  const abs = path.resolve(target);
  const native = runtimeNative();
  if (native) {
    try {
      const r = native.isMountPoint(abs);
      if (r !== null) return r;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      // anything else (a stale or unreadable mount): let mountinfo decide
    }
  }
  return isMountPointByMountinfo(abs);
}

/** mount(8)/umount(8) by absolute path, found once (no PATH search per call). */
const commandPaths = new Map<string, string>();
async function command(name: string): Promise<string> {
  const known = commandPaths.get(name);
  if (known) return known;
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) {
    const p = path.join(dir, name);
    if (await fs.access(p, constants.X_OK).then(() => true, () => false)) {
      commandPaths.set(name, p);
      return p;
    }
  }
  return name;
}

/** Flags mount(8) takes from `-o`; the rest of the options go to the file system as data. */
interface ParsedOptions {
  flags: number;
  propagation: number;
  data: string[];
}

function parseOptions(native: RuntimeNative, options: string[]): ParsedOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  const set: Record<string, number> = {
    ro: native.MS_RDONLY,
    nosuid: native.MS_NOSUID,
    nodev: native.MS_NODEV,
    noexec: native.MS_NOEXEC,
    sync: native.MS_SYNCHRONOUS,
    dirsync: native.MS_DIRSYNC,
    noatime: native.MS_NOATIME,
    nodiratime: native.MS_NODIRATIME,
    relatime: native.MS_RELATIME,
    strictatime: native.MS_STRICTATIME,
    remount: native.MS_REMOUNT,
    bind: native.MS_BIND,
    rbind: native.MS_BIND | native.MS_REC,
  };
  const clear: Record<string, number> = {
    rw: native.MS_RDONLY,
    suid: native.MS_NOSUID,
    dev: native.MS_NODEV,
    exec: native.MS_NOEXEC,
    async: native.MS_SYNCHRONOUS,
    atime: native.MS_NOATIME,
    diratime: native.MS_NODIRATIME,
  };
  const prop: Record<string, number> = {
    private: native.MS_PRIVATE,
    rprivate: native.MS_PRIVATE | native.MS_REC,
    slave: native.MS_SLAVE,
    rslave: native.MS_SLAVE | native.MS_REC,
    shared: native.MS_SHARED,
    rshared: native.MS_SHARED | native.MS_REC,
    unbindable: native.MS_UNBINDABLE,
    runbindable: native.MS_UNBINDABLE | native.MS_REC,
  };
  for (const o of options) {
    if (o === '' || o === 'defaults') continue;
    if (Object.prototype.hasOwnProperty.call(set, o)) flags |= set[o]!;
    else if (Object.prototype.hasOwnProperty.call(clear, o)) flags &= ~clear[o]!;
    else if (Object.prototype.hasOwnProperty.call(prop, o)) propagation = prop[o]!;
    else data.push(o);
  }
  return { flags: flags >>> 0, propagation, data };
}

function nativeCall(fn: (cb: (err: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

/** One description by mount(2): the flags as mount(8) derives them, the rest as data. */
async function mountOneNative(native: RuntimeNative, m: MountDescription, isBind: boolean, target: string): Promise<void> {
  const p = parseOptions(native, m.options);
  const cwd = m.cwd ? path.resolve(m.cwd) : null;
  if (isBind) {
    const flags = p.flags | native.MS_BIND;
    const source = cwd ? path.resolve(cwd, m.source) : m.source;
    await nativeCall((cb) => native.mount(source, target, null, flags & ~native.MS_RDONLY, null, null, cb));
    if (flags & native.MS_RDONLY) {
      // as mount(8): a read-only bind is a bind, then a read-only remount of it
      const re = native.MS_REMOUNT | native.MS_BIND | (flags & ~native.MS_REC);
      await nativeCall((cb) => native.mount(null, target, null, re >>> 0, null, null, cb));
    }
  } else {
    const data = p.data.join(',');
    if (Buffer.byteLength(data) > MAX_MOUNT_DATA) {
      throw new InvalidArgumentError(`mount ${m.type} on "${target}": options are ${Buffer.byteLength(data)} bytes, more than a page`);
    }
    await nativeCall((cb) => native.mount(m.source, target, m.type, p.flags, data || null, cwd, cb));
  }
  if (p.propagation) await nativeCall((cb) => native.mount(null, target, null, p.propagation >>> 0, null, null, cb));
}

/** One description by the mount(8) command, run from the description's cwd. */
async function mountOneCommand(m: MountDescription, isBind: boolean, target: string, signal?: AbortSignal): Promise<void> {
  const opts = isBind && !m.options.some((o) => o === 'bind' || o === 'rbind') ? ['bind', ...m.options] : m.options;
  const args = isBind ? [] : ['-t', m.type];
  if (opts.length) args.push('-o', opts.join(','));
  args.push('--', m.source, target);
  const r = await run(await command('mount'), args, { cwd: m.cwd, signal });
  if (r.code !== 0) throw new Error(r.stderr.trim() || `exit ${r.code}`);
}

/**
 * Performs the mount descriptions (as the image-store's snapshotter returns them) onto `target`,
 * in order, with mount(2) through the package's addon (mount(8) when the addon is not built).
 * A description's `cwd` is where its relative paths (short overlay lowerdir links) resolve; the
 * process's own cwd is never changed. Idempotent: when `target` is already a mount point (e.g.
 * after a daemon crash), nothing is done. A failure leaves nothing mounted.
 */
export async function mountRootfs(mounts: MountDescription[], target: string, signal?: AbortSignal): Promise<void> {
  if (mounts.length === 0) throw new InvalidArgumentError(`rootfs "${target}": no mounts to perform`);
  const abs = path.resolve(target);
  await fs.mkdir(abs, { recursive: true });
  if (await isMountPoint(abs)) return;
  const native = runtimeNative();
  for (const m of mounts) {
    if (/[,]/.test(m.type) || m.type.startsWith('-')) throw new InvalidArgumentError(`mount type "${m.type}": invalid`);
    const isBind = m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind');
    try {
      if (signal?.aborted) throw new Error('aborted');
      if (native) await mountOneNative(native, m, isBind, abs);
      else await mountOneCommand(m, isBind, abs, signal);
    } catch (e) {
      await unmountRootfs(abs).catch(() => undefined);
      if (e instanceof InvalidArgumentError) throw e;
      throw new InternalError(`rootfs "${target}": mount ${m.type} failed: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** umount2 by the addon: true when something was unmounted, false when nothing is mounted there. */
async function unmountOnceNative(native: RuntimeNative, abs: string): Promise<boolean> {
  try {
    await nativeCall((cb) => native.umount(abs, 0, cb));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT' || code === 'ENOTDIR') return false;
    if (code !== 'EBUSY') throw e;
  }
  try {
    await nativeCall((cb) => native.umount(abs, native.MNT_DETACH, cb));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Unmounts everything mounted on `target` (stacked mounts too). Safe when nothing is mounted or
 * the directory is gone; falls back to a lazy unmount when the mount is busy.
 */
export async function unmountRootfs(target: string): Promise<void> {
  const abs = path.resolve(target);
  const native = runtimeNative();
  for (let i = 0; i < 32; i++) {
    if (native) {
      // EINVAL says "not a mount point": no mountinfo read needed
      try {
        if (!(await unmountOnceNative(native, abs))) return;
      } catch (e) {
        throw new InternalError(`rootfs "${abs}": unmount failed: ${(e as Error).message}`, { cause: e });
      }
      continue;
    }
    let mounted: boolean;
    try {
      mounted = await isMountPoint(abs);
    } catch {
      return;
    }
    if (!mounted) return;
    const umount = await command('umount');
    const r = await run(umount, [abs]);
    if (r.code !== 0) {
      const lazy = await run(umount, ['-l', abs]);
      if (lazy.code !== 0 && (await isMountPoint(abs))) {
        throw new InternalError(`rootfs "${abs}": unmount failed: ${lazy.stderr.trim() || r.stderr.trim()}`);
      }
    }
  }
  throw new InternalError(`rootfs "${abs}": still mounted after 32 unmounts`);
}

/**
 * Unmounts `target` at once with a lazy unmount (MNT_DETACH) while this process holds the top
 * mount open, and resolves when nothing is mounted on `target` any more. The kernel's final
 * teardown of the mount (for overlayfs: a sync of the whole file system of the upper dir, 1 to
 * several ms under disk load) happens when `released` settles, off the caller's path. Nothing
 * stays visible in the mount table; the teardown also happens if this process dies. Remounting
 * the same upper/work dirs must wait for `released` (overlayfs refuses dirs still in use).
 * Without the addon: unmountRootfs, and `released` is settled.
 */
export async function detachRootfs(target: string): Promise<{ released: Promise<void> }> {
  const abs = path.resolve(target);
  const native = runtimeNative();
  const settled = { released: Promise.resolve() };
  if (!native || !(await isMountPoint(abs).catch(() => false))) {
    await unmountRootfs(abs);
    return settled;
  }
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await fs.open(abs, 'r');
  } catch {
    await unmountRootfs(abs);
    return settled;
  }
  try {
    for (let i = 0; i < 32 && (await isMountPoint(abs)); i++) {
      await nativeCall((cb) => native.umount(abs, native.MNT_DETACH, cb));
    }
    if (await isMountPoint(abs)) throw new Error('still mounted after 32 unmounts');
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw new InternalError(`rootfs "${abs}": unmount failed: ${(e as Error).message}`, { cause: e });
  }
  return { released: fh.close().catch(() => undefined) };
}
