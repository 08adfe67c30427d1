import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { MountPoint } from '@berth/api';
import { InternalError, InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import type { RuntimeMount } from '@berth/oci';
import { RootView, cleanPath, fdPath, fsAt, isWithin, makeMissing, type ViewMountInput } from '@berth/fs';
import { orderUserMounts } from '@berth/runtime';
import { followSymlinkInScope } from './follow-symlink-in-scope';
import { firstMissingInReadOnlyMount } from './first-missing-in-read-only-mount';
import type { ContainerRecord } from './container-record';

/**
 * A container's bind and volume mounts, resolved once at create (docker's MountPoints): named
 * volumes are created, the image's `VOLUME`s and `--mount type=volume` without a source get
 * anonymous volumes, `--volumes-from` copies another container's. Stored with the record.
 */
export interface ContainerMount {
  Type: 'bind' | 'volume';
  /** Volume name (volumes only). */
  Name?: string;
  /** Host path: the bind source or the volume's data directory. */
  Source: string;
  Destination: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** An anonymous volume: `rm -v` removes it. */
  Anonymous?: boolean;
  /** Volumes: do not copy the image's content in (`volume-nocopy`). */
  NoCopy?: boolean;
}

/** What mount resolution needs of the volume store. */
export interface MountVolumes {
  /** Host directory of a named volume, created when missing. */
  ensure(name: string): Promise<string>;
  /** A new anonymous volume. */
  anonymous(): Promise<{ name: string; path: string }>;
}

const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

/** The mounts docker's inspect shows (`Mounts`). */
export function mountPointView(m: ContainerMount): MountPoint {
  return {
    Type: m.Type,
    ...(m.Type === 'volume' ? { Name: m.Name, Source: m.Source, Destination: m.Destination, Driver: 'local' } : { Source: m.Source, Destination: m.Destination }),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  };
}

/**
 * Resolves the mounts of a container about to be created. `others(ref)` gives the mounts of a
 * container named in VolumesFrom (NotFoundError when unknown). Volumes created here are
 * reported through `created` so that a failed create can remove them.
 */
export async function resolveMounts(
  rec: Pick<ContainerRecord, 'config' | 'hostConfig'>,
  volumes: MountVolumes,
  others: (ref: string) => ContainerMount[],
  created: string[],
): Promise<ContainerMount[]> {
  const h = rec.hostConfig;
  const byDest = new Map<string, ContainerMount>();
  const add = (m: ContainerMount): void => {
    const dst = path.posix.normalize(m.Destination).replace(/(.)\/+$/, '$1');
    if (byDest.has(dst)) throw new InvalidArgumentError(`Duplicate mount point: ${dst}`);
    byDest.set(dst, { ...m, Destination: dst });
  };
  for (const b of h.Binds ?? []) {
    const [src, dst, mode = ''] = b.split(':') as [string, string, string?];
    const modes = mode === '' ? [] : mode.split(',');
    const rw = !modes.includes('ro');
    if (path.posix.isAbsolute(src)) {
      await fs.mkdir(src, { recursive: true }).catch(() => undefined);
      add({ Type: 'bind', Source: src, Destination: dst, Mode: mode, RW: rw, Propagation: modes.find((m) => PROPAGATION.has(m)) ?? 'rprivate' });
    } else {
      add({ Type: 'volume', Name: src, Source: await volumes.ensure(src), Destination: dst, Mode: mode, RW: rw, Propagation: '', NoCopy: modes.includes('nocopy') });
    }
  }
  for (const m of h.Mounts ?? []) {
    const target = m.Target ?? '';
    if (m.Type === 'bind') {
      const src = m.Source ?? '';
      try {
        await fs.stat(src);
      } catch {
        throw new InvalidArgumentError(`invalid mount config for type "bind": bind source path does not exist: ${src}`);
      }
      add({ Type: 'bind', Source: src, Destination: target, Mode: '', RW: !m.ReadOnly, Propagation: (m.BindOptions?.Propagation as string | undefined) || 'rprivate' });
    } else if (m.Type === 'volume') {
      const noCopy = Boolean(m.VolumeOptions?.NoCopy);
      if (m.Source) {
        add({ Type: 'volume', Name: m.Source, Source: await volumes.ensure(m.Source), Destination: target, Mode: 'z', RW: !m.ReadOnly, Propagation: '', NoCopy: noCopy });
      } else {
        const v = await volumes.anonymous();
        created.push(v.name);
        add({ Type: 'volume', Name: v.name, Source: v.path, Destination: target, Mode: 'z', RW: !m.ReadOnly, Propagation: '', Anonymous: true, NoCopy: noCopy });
      }
    }
  }
  for (const spec of h.VolumesFrom ?? []) {
    const [ref, mode] = spec.split(':') as [string, string?];
    let from: ContainerMount[];
    try {
      from = others(ref);
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`No such container: ${ref}`);
      throw err;
    }
    for (const m of from) {
      const dst = path.posix.normalize(m.Destination);
      if (byDest.has(dst)) continue;
      add({ ...m, Anonymous: false, RW: mode === 'ro' ? false : mode === 'rw' ? true : m.RW, Mode: mode ?? m.Mode });
    }
  }
  const tmpfs = new Set(tmpfsTargetsOf(h).map((p) => path.posix.normalize(p)));
  for (const dst of Object.keys(rec.config.Volumes ?? {})) {
    const d = configVolumeDestination(dst);
    if (!path.posix.isAbsolute(d)) continue;
    if (byDest.has(d) || tmpfs.has(d)) continue;
    const v = await volumes.anonymous();
    created.push(v.name);
    add({ Type: 'volume', Name: v.name, Source: v.path, Destination: d, Mode: '', RW: true, Propagation: '', Anonymous: true });
  }
  return [...byDest.values()];
}

/**
 * Docker's copy-up: a volume that is empty when its container starts gets the image's content at
 * the mount path (the mounted rootfs, resolved without leaving it), copied by `copy` (copy-up.ts:
 * owners, modes, links, times; written through a RootView of the volume).
 *
 * Never half-done: a marker beside the volume's `_data` (`volumes/<name>/copy-up.partial`) is
 * written before the copy and removed after it, whether the copy succeeded or failed (a failed
 * one fails the start and leaves what it copied, as Docker's); only a copy cut by a crash (kill -9
 * of berthd) leaves it, and the next start of any container using the volume empties `_data`
 * first, so the copy is made again from the start (or, with nothing to copy, the volume is empty
 * as before the cut one).
 */
export async function populateVolumes(
  mounts: ContainerMount[],
  rootfs: string,
  copy: (from: string, to: string) => Promise<void>,
  /** The copy-up marker of a volume mount (the data root's layout owns it; undefined: none). */
  copyUpMarker: (m: ContainerMount) => string | undefined,
): Promise<void> {
  const wanted = mounts.filter((m) => m.Type === 'volume' && !m.NoCopy);
  if (wanted.length === 0) return;
  for (const m of wanted) await undoCutCopyUp(m.Source, copyUpMarker(m));
  const view = RootView.open(rootfs);
  try {
    for (const m of wanted) {
      // resolved in the kernel (@berth/fs), every symlink followed inside the rootfs
      let r;
      try {
        r = view.resolve(m.Destination, { followLast: true });
      } catch {
        continue; // missing or not a directory on the way: nothing to copy
      }
      try {
        if (r.fd < 0) continue;
        // the directory the fd holds, by its /proc link (what copy-up opens and packs: never the path again)
        const inside = fdPath(r.fd);
        const st = await fs.stat(inside).catch(() => undefined);
        if (!st?.isDirectory()) continue;
        const content = await fs.readdir(inside).catch(() => []);
        if (content.length === 0) continue;
        const existing = await fs.readdir(m.Source).catch(() => ['?']);
        if (existing.length > 0) continue;
        const marker = copyUpMarker(m);
        if (marker) await fs.writeFile(marker, '');
        try {
          await copy(inside, m.Source);
        } finally {
          // a copy that failed (rather than crashed) leaves what it made, as Docker's does: the
          // marker would have the next start empty the volume, whatever was written there since
          if (marker) await fs.rm(marker, { force: true });
        }
      } finally {
        r.close();
      }
    }
  } finally {
    view.close();
  }
}

/** A copy-up cut by a crash: what it copied is removed (`_data` itself stays: it may be a mount point), then the marker. */
async function undoCutCopyUp(data: string, marker: string | undefined): Promise<void> {
  if (!marker || !(await fs.stat(marker).catch(() => undefined))) return;
  // by fd (@berth/fs): a container using the volume may have left symlinks anywhere in it
  const at = fsAt();
  const dir = at.openRoot(data);
  try {
    for (const name of await fs.readdir(fdPath(dir))) at.removeAllAt(dir, name);
  } finally {
    fsSync.closeSync(dir);
  }
  await fs.rm(marker, { force: true });
}

/**
 * Docker resolves a mount's destination inside the container's root (FollowSymlinkInScope) and
 * the runtime creates what is missing there: `/data` a symlink to a missing `/missing/target`
 * gets `/missing/target` made (runc does it; crun's openat2 only fails with ENOENT). So before
 * the runtime runs, each of the spec's own mounts (`specInputOf`'s list: binds, volumes, tmpfs,
 * `--init`'s binary) whose destination goes through a symlink to something missing is followed
 * in the mounted rootfs (@berth/fs, in the kernel, never leaving the root, past the missing
 * parts without creating anything) with the mounts before it laid over, in the order the spec
 * mounts them; what is missing is then made below the deepest directory that exists, by *at
 * calls on its fd: directories, and an empty file for a file bind. Nothing is made inside a
 * tmpfs (the runtime makes it there); a target missing inside a read-only mount is refused as
 * runc refuses it (crun would make it in the host directory of a `:ro` bind); a destination that does not go
 * through a symlink is left to the runtime, as before. Returns the mounts as it laid them.
 */
export async function createMountTargets(mounts: readonly RuntimeMount[], rootfs: string): Promise<LaidMounts> {
  const laid: ViewMountInput[] = [];
  const tmpfsAt: string[] = [];
  for (const m of orderUserMounts(mounts, (x) => x.destination).ordered) {
    if (!path.posix.isAbsolute(m.destination)) continue;
    const bind = m.type === 'bind' && m.source !== undefined;
    const file = bind && (await fs.stat(m.source!).then((s) => !s.isDirectory()).catch(() => false));
    let resolved = cleanPath(m.destination);
    let refusal: Error | undefined;
    const view = RootView.open(rootfs, laid);
    try {
      const r = view.resolve(m.destination, { followLast: true, pastMissing: true });
      try {
        resolved = r.path;
        const throughLink = r.path !== cleanPath(m.destination);
        const inTmpfs = tmpfsAt.some((d) => isWithin(d, r.path));
        const first = firstMissingInReadOnlyMount(r, tmpfsAt);
        if (first !== undefined) refusal = readOnlyTarget(m, first);
        // (missing inside a read-only mount was refused just above)
        else if (r.missing > 0 && throughLink && !inTmpfs) makeMissing(r, file ? 'file' : 'dir');
      } finally {
        r.close();
      }
    } catch {
      // a loop or a file in the way: left to the runtime, which reports it
    } finally {
      view.close();
    }
    if (refusal) throw refusal;
    if (bind) laid.push({ destination: m.destination, source: m.source!, rw: !(m.options ?? []).includes('ro') });
    else if (m.type === 'tmpfs') tmpfsAt.push(resolved);
  }
  return { laid, tmpfsAt };
}

/** The spec's mounts as createMountTargets laid them: binds and volumes in spec order, and where the tmpfs mounts land. */
export interface LaidMounts {
  laid: ViewMountInput[];
  tmpfsAt: string[];
}

/**
 * A mount whose target is missing inside a read-only mount laid before it (`-v /h:/r:ro -v
 * vol:/r/sub`, `--tmpfs /r/t`): runc cannot make the target there and fails the start (`mkdir
 * sub: read-only file system`); crun makes it before it remounts the bind read-only, in the
 * bind's host directory. Refused for both runtimes with runc's words; `first` is the first
 * missing directory (firstMissingInReadOnlyMount).
 */
function readOnlyTarget(m: RuntimeMount, first: string): InternalError {
  const source = m.type === 'tmpfs' ? 'tmpfs' : (m.source ?? m.type);
  return new InternalError(
    `OCI runtime create failed: error during container init: error mounting "${source}" to rootfs at "${cleanPath(m.destination)}": mkdir ${path.posix.basename(first)}: read-only file system`,
  );
}

/**
 * Docker's create-time check of the anonymous volumes of `Config.Volumes` (an image's VOLUME, `-v
 * /path`): a destination that is a file in the rootfs (followed in scope) cannot take a volume,
 * `cannot mount volume over existing file, file exists /etc/passwd` (a 500; docker names the
 * host path, berthd the container path). `rootfs` is mounted; a loop or a file on the way is the
 * resolution's own error, as docker's.
 */
export function refuseVolumeOverFile(rootfs: string, destinations: readonly string[]): void {
  if (destinations.length === 0) return;
  const view = RootView.open(rootfs);
  try {
    for (const d of destinations) {
      const r = followSymlinkInScope(view, d);
      try {
        if (r.missing === 0 && !fsSync.fstatSync(r.fd).isDirectory()) throw new InternalError(`cannot mount volume over existing file, file exists ${r.path}`);
      } finally {
        r.close();
      }
    }
  } finally {
    view.close();
  }
}

/** A `Config.Volumes` key as the destination of the anonymous volume made for it (normalised, no trailing `/`). */
function configVolumeDestination(key: string): string {
  return path.posix.normalize(key).replace(/(.)\/+$/, '$1');
}

/** The destinations of `mounts` that are anonymous volumes made for `Config.Volumes` (not for `--mount type=volume`). */
export function configVolumeTargets(config: ContainerRecord['config'], mounts: readonly ContainerMount[]): string[] {
  const wanted = new Set(Object.keys(config.Volumes ?? {}).map(configVolumeDestination));
  return mounts.filter((m) => m.Type === 'volume' && m.Anonymous && wanted.has(m.Destination)).map((m) => m.Destination);
}

/** The tmpfs destinations of a HostConfig (`--tmpfs` and `--mount type=tmpfs`). */
export function tmpfsTargetsOf(h: ContainerRecord['hostConfig']): string[] {
  return [...Object.keys(h.Tmpfs ?? {}), ...(h.Mounts ?? []).filter((m) => m.Type === 'tmpfs').map((m) => m.Target ?? '')].filter((p) => p !== '');
}
