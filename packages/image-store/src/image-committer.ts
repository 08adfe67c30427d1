import type { ImageRunConfig } from '@berth/oci';
import type { ImageRecord } from './image-catalog';

/** `docker commit` and the legacy builder's steps: a container's changes become a child image. */
export interface CommitOptions {
  /** The image the container was created from (name or ID); omitted for `FROM scratch`. */
  parent?: string;
  /**
   * The container's overlay upper dir (`snapshots.upperDir(key)`), packed with whiteouts as
   * a layer. Omitted, or a dir with no changes, gives an empty layer: nothing is appended to
   * `rootfs.diff_ids` and the history entry gets `empty_layer: true` (docker's `#(nop)` steps).
   */
  upperDir?: string;
  /** The new image's run config (`config`), with `changes` already applied. */
  config: ImageRunConfig;
  /** Docker's `container_config` (the container's own config); optional. */
  containerConfig?: ImageRunConfig;
  /** Docker's `container` field. */
  containerId?: string;
  author?: string;
  comment?: string;
  /** History `created_by`; defaults to `containerConfig.Cmd` joined by spaces, as docker does. */
  createdBy?: string;
  /** The engine's version, written as `docker_version` (moby NewChildImage: dockerversion.Version); the parent's is never kept. */
  dockerVersion?: string;
  /** References to tag the new image with. */
  references?: string[];
  /** Record the parent in the catalog (builds do; docker commit does too). Default true. */
  recordParent?: boolean;
  signal?: AbortSignal;
}

export interface ImageCommitter {
  commit(opts: CommitOptions): Promise<ImageRecord>;
}
