import { RootView, type ViewMount } from '@berth/fs';

/**
 * A container's filesystem as its processes see it, from outside and without mounting anything
 * (`docker cp`): the rootfs with the container's bind mounts, volumes and network files
 * (/etc/hostname, /etc/hosts, /etc/resolv.conf, kept in the bundle dir) laid over it. It is
 * @berth/fs's RootView: every path is resolved in the kernel from file descriptors held open
 * (symlinks in the container's scope, `..` never above its `/`, a mount's destination continued
 * inside its source), so nothing outside the rootfs and the mount sources is ever named, whatever
 * a process in the container swaps meanwhile. Close it when done.
 *
 * tmpfs mounts are not in the view: they exist only inside the container's mount namespace, and
 * docker's cp sees (and writes) the rootfs directory under them (moby/moby#22020, documented in
 * `docker cp`'s reference).
 */
export type ContainerFsView = RootView;
export type { ViewMount };

/** A mount as the container was given it (spec order: later ones cover earlier ones). */
export interface MountInput {
  destination: string;
  source: string;
  rw: boolean;
}

/**
 * The view of `rootfs` with `mounts` applied in order, as runc mounts them: each destination is
 * resolved (symlinks followed in the container's scope) in the view made by the mounts before
 * it; a mount covers earlier ones at or below its destination; mounts whose source is missing
 * are left out (a never-started container has no network files yet).
 */
export function buildFsView(rootfs: string, mounts: MountInput[]): ContainerFsView {
  return RootView.open(rootfs, mounts);
}
