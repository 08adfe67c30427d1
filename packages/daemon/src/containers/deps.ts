import type { Readable } from 'node:stream';
import type { Database } from '@berth/sqlite';
import type { ImageCommitter, ImageLookup, Snapshotter } from '@berth/image-store';
import type { Logger } from '@berth/log';
import type { NetworkAttacher, NetworkCatalog } from '@berth/network';
import type { OciRuntime } from '@berth/runtime';
import type { DataRoot } from '../layout';
import type { TagImage } from '../images/image-tagger';

/**
 * What the container service needs from its neighbours, cut by role: the composition root
 * (src/daemon.ts) passes the real image store, runtime and friends; tests pass fakes.
 */

/** Image lookups: `get` throws NotFoundError for an unknown image. */
export type ContainerImages = Pick<ImageLookup, 'get'>;

/** Snapshots: the container's writable layer over its image. */
export type ContainerSnapshots = Pick<Snapshotter, 'prepare' | 'mounts' | 'remove' | 'usage' | 'upperDir'>;

/** The runtime driver: tasks are created, found again after a restart, frozen and thawed; execs. */
export type ContainerRuntime = Pick<OciRuntime, 'create' | 'reconnect' | 'delete' | 'pause' | 'resume' | 'exec'> &
  Partial<Pick<OciRuntime, 'update' | 'state'>>;

/**
 * Packs a directory (a mounted rootfs) into a tar stream: image-store's packDirectory. For
 * `docker cp`: `member` packs one name in `dir` ('.' for dir itself) with entries named from
 * `as`, and `substitutes` (entry name → host path) packs a container's mounts in place. `copy`:
 * every xattr and nanosecond times (the volume copy-up).
 */
export type PackDirectory = (
  dir: string,
  opts?: { signal?: AbortSignal; member?: string; as?: string; substitutes?: ReadonlyMap<string, string>; copy?: boolean },
) => Readable | Promise<Readable>;


/** `docker commit`: image-store's committer (a container's upper dir becomes a child image). */
export type ContainerCommitter = Pick<ImageCommitter, 'commit'>;

/** Named volumes: the host directory of a volume, created when missing (docker's `-v name:/path`). */
export interface VolumeResolver {
  ensure(name: string): Promise<string>;
  /** A new anonymous volume (image VOLUMEs, `--mount type=volume` without a source). */
  create?(req: { Name?: string; Labels?: Record<string, string> }): Promise<{ Name: string; Mountpoint: string }>;
  /** Removes a volume (`rm -v` of its anonymous volumes); absent ones are no error. */
  remove?(name: string, opts?: { force?: boolean }): Promise<void>;
}

/**
 * The network component (@berth/network) as the container lifecycle uses it: `find` resolves
 * a network name at start and connect, the attacher gives a container its interfaces. Without
 * it (API-only tests) containers get a namespace with only `lo`, as before networking existed.
 */
export interface ContainerNetworks {
  catalog: Pick<NetworkCatalog, 'find'>;
  attacher: NetworkAttacher;
  /** False under `--bridge none` (dockerd -b none): default-mode containers get no network, only lo. */
  defaultBridge: boolean;
}

/** A container event for `/events` (docker's Type "container"). */
export interface ContainerEvent {
  /** docker's event Type: 'container' unless said ('volume' for a volume's mount/unmount, id = its name). */
  type?: 'container' | 'volume';
  /** create, start, die, kill, stop, restart, attach, detach, destroy, rename, resize, export, pause, unpause... */
  action: string;
  id: string;
  /** Attributes: image, name, the container's labels, plus action extras (exitCode, signal, oldName). */
  attributes: Record<string, string>;
  /** The image as given at create (docker's `from`). */
  from: string;
}

export interface ContainerServiceDeps {
  db: Database;
  layout: DataRoot;
  images: ContainerImages;
  snapshots: ContainerSnapshots;
  runtime: ContainerRuntime;
  packDirectory: PackDirectory;
  /** For `docker commit`; without it commit is 501. */
  committer?: ContainerCommitter;
  /** The daemon's tag step (images/image-tagger.ts) for `docker commit c repo:tag`; without it such a commit is 501. */
  tagImage?: TagImage;
  volumes?: VolumeResolver;
  networks?: ContainerNetworks;
  /** Called for every container event; must not throw. */
  onEvent?: (event: ContainerEvent) => void;
  logger?: Logger;
  /**
   * Host path of a static init (tini) for `--init` (HostConfig.Init); default: the first of
   * /usr/bin/docker-init, /usr/libexec/docker/docker-init, /usr/bin/tini-static that exists.
   */
  initBinary?: string;
  /** The default OCI runtime's name, shown as HostConfig.Runtime (default 'runc'). */
  runtimeName?: string;
  /**
   * Other runtimes a container may choose with HostConfig.Runtime (`docker run --runtime crun`),
   * by name; `runtime` serves `runtimeName` and every container that names none.
   */
  runtimes?: Record<string, ContainerRuntime>;
  /** Injected clock (tests). */
  now?: () => Date;
  /** AppArmor where the host has it (@berth/runtime AppArmor); none: no container has a profile. */
  apparmor?: ContainerAppArmor;
}

/** A container's AppArmor profile, and docker-default loaded before a start that uses it. */
export interface ContainerAppArmor {
  profileFor(opts: { privileged: boolean; apparmorOpt?: string }): string;
  ensureLoaded(name: string): Promise<void>;
}
