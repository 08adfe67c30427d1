/**
 * Snapshots: the writable root filesystem of a container, on top of an image's layers.
 *
 * Vocabulary (after containerd's snapshotter):
 *  - key:    the caller's name for an active snapshot (berth uses the container ID);
 *  - dir:    the directory the caller gives for it (the container's dir); the snapshotter
 *            creates `<dir>/upper` and `<dir>/work` there and nothing else;
 *  - image:  whose layers form the read-only lower dirs, top layer first.
 *
 * Lifecycle: `prepare(key, imageId, dir)` → the runtime performs the returned mounts on the
 * rootfs → container runs → the runtime unmounts → `remove(key)`. A commit reads
 * `<dir>/upper` (see `upperDir`) and hands it to the layer store.
 *
 * "Describe, don't do": no method here mounts anything.
 */
export interface Mount {
  type: 'overlay' | 'bind';
  source: string;
  /** Mount options, e.g. `lowerdir=...`, `upperdir=...`, `workdir=...`. */
  options: string[];
  /**
   * When set, the lowerdir paths are relative and the mount must be performed with this
   * working directory (used when absolute paths would pass the kernel's one-page limit).
   */
  cwd?: string;
}

export interface SnapshotInfo {
  key: string;
  imageId: string;
  dir: string;
  created: Date;
}

export interface SnapshotUsage {
  /** Bytes in the upper dir. */
  size: number;
  inodes: number;
}

export interface Snapshotter {
  /**
   * Creates `<dir>/upper` and `<dir>/work` and records the snapshot; AlreadyExistsError if `key`
   * exists. No image: no layers (the empty lower dir), for a container made without one.
   */
  prepare(key: string, imageId: string | undefined, dir: string): Promise<Mount[]>;
  /** The mounts of an existing snapshot (e.g. after a daemon restart); NotFoundError if none. */
  mounts(key: string): Promise<Mount[]>;
  get(key: string): Promise<SnapshotInfo | undefined>;
  list(): Promise<SnapshotInfo[]>;
  /** The upper dir: what a commit turns into a layer. */
  upperDir(key: string): Promise<string>;
  usage(key: string): Promise<SnapshotUsage>;
  /** Removes `<dir>/upper`, `<dir>/work` and the record; the caller must have unmounted. No-op if absent. */
  remove(key: string): Promise<void>;
}
