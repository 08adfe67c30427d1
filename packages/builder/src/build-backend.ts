import type { ImageConfig, ImageRunConfig } from '@berth/oci';

/** An image as the builder sees it. */
export interface BuildImage {
  /** `sha256:<hex>` */
  id: string;
  config: ImageConfig;
  /** Creation time (picks the newest of several cache candidates). */
  created?: Date;
  /** The image it was built from (a build step's parent), when recorded. */
  parent?: string;
}

/**
 * `R`: what the caller gives every container of the build besides its config (BuildOptions'
 * `resources`), made and read by the backend only: the builder carries it untouched and never
 * knows its shape (the daemon: the HostConfig limits of `docker build --memory ...`).
 */
export interface RunStepOptions<R = unknown> {
  /** The image the container is created from; undefined after `FROM scratch` (no image). */
  imageId: string | undefined;
  /** The container's config: Cmd, Env, WorkingDir, User, Shell... (Entrypoint cleared). */
  config: ImageRunConfig;
  /** Called once the container exists, before it starts (`Running in <12hex>`). */
  onCreated(containerId: string): void;
  /** Output of the process, stdout and stderr in order (stderr wrapped in `\x1b[91m`…`\x1b[0m`, as docker). */
  onOutput(chunk: Buffer): void;
  /** `host:ip` entries for the container's /etc/hosts (`docker build --add-host`). */
  extraHosts?: string[];
  /** The container's HostConfig.NetworkMode (`docker build --network`); default when absent. */
  networkMode?: string;
  /** BuildOptions' `resources`, as given. */
  resources?: R;
  signal?: AbortSignal;
}

export interface CommitStepOptions {
  /** Parent image; undefined for the first step after `FROM scratch`. */
  parent?: string;
  /** A container whose changes become the layer (RUN). */
  containerId?: string;
  /** A plain directory whose contents become the layer (COPY, ADD, WORKDIR); wins over the container's changes. */
  layerDir?: string;
  /** With `containerId`: record the container but take no layer from it (metadata steps). */
  emptyLayer?: boolean;
  /** The new image's config. */
  config: ImageRunConfig;
  /** Docker's container_config; its Cmd is the cache key (`/bin/sh -c #(nop) ...`). */
  containerConfig: ImageRunConfig;
  /** History created_by (the containerConfig's Cmd joined by spaces). */
  createdBy: string;
  signal?: AbortSignal;
}

/**
 * What the build engine needs from the daemon. @berth/builder imports neither the container
 * service nor the image store: the daemon implements this over both.
 */
/** `R`: the build containers' settings, opaque to the builder (RunStepOptions). */
export interface BuildBackend<R = unknown> {
  /** A local image by name or ID; undefined when there is none. */
  findImage(ref: string): Promise<BuildImage | undefined>;
  /** Pulls `ref` (progress lines go to `onStatus`) and returns it. */
  pullImage?(ref: string, opts: { platform?: string; onStatus(line: string): void; signal?: AbortSignal }): Promise<BuildImage>;
  /** Images whose recorded parent is `parent` (undefined: images without a parent): cache candidates. */
  children(parent: string | undefined): Promise<BuildImage[]>;
  /** Runs a RUN step's container to its end. The container is left in place. */
  runContainer(opts: RunStepOptions<R>): Promise<{ containerId: string; exitCode: number }>;
  /** Makes a child image from a container, a directory or neither (an empty layer). */
  commit(opts: CommitStepOptions): Promise<BuildImage>;
  removeContainer(containerId: string): Promise<void>;
  /**
   * Creates (never starts) a container for a metadata step, as docker's legacy builder does:
   * its ID is what `Running in` prints and what the image's `container` field names. `imageId`
   * undefined: the first step after `FROM scratch`, a container with no image (an empty root).
   */
  createContainer?(imageId: string | undefined, config: ImageRunConfig, resources?: R): Promise<string>;
  /** Runs `fn` with the image's root filesystem mounted read-only-ish at `root` (never write to it). */
  withRootfs<T>(imageId: string, fn: (root: string) => Promise<T>): Promise<T>;
  /**
   * ADD's auto-extraction of a local tar archive (plain or gzip): untarred as moby's
   * chrootarchive.Untar into the step's rootfs at `dest` (a directory already made in `upper`),
   * the image `imageId` (none after FROM scratch) under what the step staged, chrooted at `dest`;
   * what it writes lands in `upper`, the step's staging tree (removals as overlay whiteouts).
   */
  extractArchive(file: string, into: { upper: string; dest: string; imageId?: string }, signal?: AbortSignal): Promise<void>;
  /**
   * Makes an image from a config whose layers are all here (a cache hit restored from a
   * `cachefrom` image's history), `parent` recorded as its parent; the existing one when the
   * config is already an image.
   */
  createImage?(config: ImageConfig, parent?: string): Promise<BuildImage>;
  /**
   * Records `parent` as the image's parent, replacing any (moby's SetParent: a `cachefrom`
   * image hit at its last step, or restored, hangs below the build's current image).
   */
  setParent?(imageId: string, parent: string): Promise<void>;
  /** Points a reference at an image. */
  tag(imageId: string, reference: string): Promise<void>;
}
