import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@berth/errdefs';

/**
 * A container's filesystem as its processes see it, from outside and without mounting anything
 * (`docker cp`): the rootfs with the container's bind mounts, volumes and network files
 * (/etc/hostname, /etc/hosts, /etc/resolv.conf, kept in the bundle dir) laid over it. A
 * container path is resolved one component at a time; symlinks are resolved in the container's
 * scope (an absolute target restarts at the container's `/`, `..` never climbs above it), and
 * once the path reaches a mount destination it continues inside that mount's host source. So
 * nothing outside the rootfs and the mount sources is ever named.
 *
 * tmpfs mounts are not in the view: they exist only inside the container's mount namespace, and
 * docker's cp sees (and writes) the rootfs directory under them (moby/moby#22020, documented in
 * `docker cp`'s reference).
 */
export interface ViewMount {
  /** Where it appears, as a resolved container path (`/data`). */
  destination: string;
  /** Host path (real path: the mount followed it when it was made). */
  source: string;
  rw: boolean;
}

export interface ContainerFsView {
  rootfs: string;
  /** Mounts in effect, no two with the same destination. */
  mounts: ViewMount[];
}

/** A mount as the container was given it (spec order: later ones cover earlier ones). */
export interface MountInput {
  destination: string;
  source: string;
  rw: boolean;
}

export interface ResolvedContainerPath {
  /** The host path: inside the rootfs or inside a mount's source. */
  host: string;
  /** The resolved container path (`/`, `/srv/d`). */
  path: string;
  /** The mount the path lies in (undefined: the rootfs). */
  mount?: ViewMount;
}

const MAX_LINKS = 255;

/**
 * The view of `rootfs` with `mounts` applied in order, as runc mounts them: each destination is
 * resolved (symlinks followed in the container's scope) in the view made by the mounts before
 * it; a mount covers earlier ones at or below its destination; mounts whose source is missing
 * are left out (a never-started container has no network files yet).
 */
export async function buildFsView(rootfs: string, mounts: MountInput[]): Promise<ContainerFsView> {
  const view: ContainerFsView = { rootfs: path.resolve(rootfs), mounts: [] };
  for (const m of mounts) {
    if (!path.posix.isAbsolute(m.destination)) continue;
    const source = await fs.realpath(m.source).catch(() => undefined);
    if (source === undefined) continue;
    const dest = (await resolveInView(view, m.destination, true)).path;
    view.mounts = view.mounts.filter((o) => !isWithin(dest, o.destination));
    view.mounts.push({ destination: dest, source, rw: m.rw });
  }
  return view;
}

/** `inner` is `outer` or below it (container paths, resolved). */
export function isWithin(outer: string, inner: string): boolean {
  return outer === '/' || inner === outer || inner.startsWith(`${outer}/`);
}

/** The mount holding a resolved container path (longest destination), if any. */
export function mountOf(view: ContainerFsView, containerPath: string): ViewMount | undefined {
  let best: ViewMount | undefined;
  for (const m of view.mounts) {
    if (isWithin(m.destination, containerPath) && (!best || m.destination.length > best.destination.length)) best = m;
  }
  return best;
}

/** Host path of resolved container path components (no `..`, no symlinks left to follow). */
function hostOf(view: ContainerFsView, parts: string[]): { host: string; mount?: ViewMount } {
  const p = `/${parts.join('/')}`;
  const m = mountOf(view, p);
  if (!m) return { host: path.join(view.rootfs, ...parts) };
  const below = m.destination === '/' ? parts : parts.slice(m.destination.split('/').length - 1);
  return { host: path.join(m.source, ...below), mount: m };
}

/**
 * Resolves container path `p` in the view. Every symlink met is followed in the container's
 * scope except the last component, unless `followLast`. Components that do not exist are kept
 * as they are (the caller's lstat tells).
 */
export async function resolveInView(view: ContainerFsView, p: string, followLast: boolean): Promise<ResolvedContainerPath> {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  let cur: string[] = [];
  let links = 0;
  while (parts.length > 0) {
    const name = parts.shift()!;
    if (name === '..') {
      cur.pop();
      continue;
    }
    const next = [...cur, name];
    const last = parts.length === 0;
    const { host } = hostOf(view, next);
    const st = await fs.lstat(host).catch(() => undefined);
    if (st?.isSymbolicLink() && (!last || followLast)) {
      if (++links > MAX_LINKS) throw new InvalidArgumentError(`path ${p}: too many levels of symbolic links`);
      const target = await fs.readlink(host);
      if (target.startsWith('/')) cur = [];
      parts.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    cur = next;
  }
  const { host, mount } = hostOf(view, cur);
  return { host, path: `/${cur.join('/')}`, ...(mount ? { mount } : {}) };
}
