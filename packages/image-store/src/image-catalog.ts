import type { Digest, ImageConfig } from '@berth/oci';

/**
 * The image catalog: images (ID = digest of the config blob) and the references that name
 * them, in SQLite. References are stored fully qualified and normalised
 * (`docker.io/library/busybox:latest`, `127.0.0.1:5000/x/y@sha256:...`) and shown familiar
 * (`busybox:latest`).
 *
 * Lookups (`resolve`) accept, in docker's order: a full ID (`sha256:<hex>` or `<hex>`), a
 * reference (`busybox` == `docker.io/library/busybox:latest`), then any unique prefix of an
 * ID's hex.
 */
export interface ImageRecord {
  /** `sha256:<hex>` of the config blob. */
  id: Digest;
  config: ImageConfig;
  /** Size of the config blob in bytes. */
  configSize: number;
  /** From the config's `created`, else when the image was stored. */
  created: Date;
  /** Sum of the layers' sizes (docker's Size/VirtualSize). */
  size: number;
  /** Parent image (built and committed images), `undefined` otherwise. */
  parent?: Digest;
  /** Familiar tag references, sorted: `busybox:latest`. */
  repoTags: string[];
  /** Familiar digest references: `busybox@sha256:...`. */
  repoDigests: string[];
  /** diffIDs, bottom first (= config.rootfs.diff_ids). */
  layers: Digest[];
  /** Last time a tag was added to this image: RFC3339Nano in the daemon's zone (moby's SetLastUpdated). */
  lastTagTime?: string;
  /** Config labels (`config.Labels`), `{}` when none. */
  labels: Record<string, string>;
}

/**
 * One step of a removal, in order: a reference removed (familiar form), or an image or layer
 * deleted (an image ID, or a layer's chainID). The daemon renders these as docker's
 * `{"Untagged"}` / `{"Deleted"}` items.
 */
export type DeleteResponseItem = { kind: 'untagged'; reference: string } | { kind: 'deleted'; id: string };

/** What a container using an image looks like to the catalog. */
export interface ImageUser {
  /** Container ID (full). */
  id: string;
  running: boolean;
}

/**
 * The daemon's answer to "does a container use this image?": the container's ID (or an
 * ImageUser when it knows whether it runs), or undefined. A bare ID counts as running
 * (docker's hard conflict: `rmi -f` then only untags); `{running: false}` lets `rmi -f`
 * delete the image as docker does for stopped containers (the container's snapshot keeps
 * the layers).
 */
export type ImageInUseCheck = (imageId: Digest) => Promise<string | ImageUser | undefined>;

export interface ImageListFilters {
  /** `-a`: include untagged intermediate images (those that are parents). */
  all?: boolean;
  /** true: only dangling (no tag, no child image); false: only images with references. */
  dangling?: boolean;
  /** Globs over familiar or full names, e.g. `busybox*`, `busybox:1.*`; any one matches. */
  reference?: string[];
  /** `key` or `key=value`; all must match. */
  label?: string[];
  /** Images created before / since the named image. */
  before?: string;
  since?: string;
}

export interface DeleteImageOptions {
  force?: boolean;
  /** Do not delete untagged parents. */
  noPrune?: boolean;
  isImageInUse?: ImageInUseCheck;
}

export interface PruneImagesOptions {
  /** false (default): dangling images only; true: every image no container uses. */
  all?: boolean;
  /** `key`, `key=value`: must match; */
  label?: string[];
  /** `label!=`: must not match. */
  labelNot?: string[];
  /** Only images created before this time. */
  until?: Date;
  isImageInUse?: ImageInUseCheck;
}

export interface PruneImagesResult {
  deleted: DeleteResponseItem[];
  spaceReclaimed: number;
}

export interface HistoryItem {
  /** `sha256:...` for entries that are an image here, `<missing>` otherwise. */
  id: string;
  /** Unix seconds. */
  created: number;
  createdBy: string;
  /** Familiar tags of that image, `[]` for `<missing>`. */
  tags: string[];
  size: number;
  comment: string;
}

export interface CreateImageOptions {
  /** Built/committed images: the image this one was made from. */
  parent?: Digest;
  /** References to point at the new image (tags move from any previous image). */
  references?: string[];
  /**
   * Other blobs of the content store that belong to this image (a pulled manifest, the
   * compressed layers): deleted with the last image that lists them.
   */
  blobs?: Digest[];
  signal?: AbortSignal;
}

/** Reading side. */
export interface ImageLookup {
  /** Image ID for a name or ID; NotFoundError `No such image: <name>`. */
  resolve(nameOrId: string): Promise<Digest>;
  get(nameOrId: string): Promise<ImageRecord>;
  /** undefined instead of NotFoundError. */
  find(nameOrId: string): Promise<ImageRecord | undefined>;
  list(filters?: ImageListFilters): Promise<ImageRecord[]>;
  history(nameOrId: string): Promise<HistoryItem[]>;
  /** Every image whose parent is `id`. */
  children(id: Digest): Promise<Digest[]>;
}

/** Writing side. */
export interface ImageWriter {
  /**
   * Stores an image from its config (bytes are kept verbatim: their digest is the ID). Every
   * layer in `rootfs.diff_ids` must already be in the layer store (FailedPreconditionError).
   * Idempotent: an existing image just gets the new references.
   */
  create(config: Buffer | ImageConfig, opts?: CreateImageOptions): Promise<ImageRecord>;
  /** Points `reference` (tag or digest form) at the image; moves it from any other image. */
  tag(nameOrId: string, reference: string): Promise<void>;
  /**
   * Records `parent` as the image's parent, replacing any (moby's image store SetParent: the
   * classic builder's `cachefrom` hits). A parent that is the image or one of its descendants
   * is refused (InvalidArgumentError): the chain stays a chain. The check and the update are one
   * transaction: an image removed meanwhile is NotFoundError, never a dangling parent.
   */
  setParent(nameOrId: string, parent: string): Promise<void>;
  /** Docker's `rmi` semantics. */
  delete(nameOrId: string, opts?: DeleteImageOptions): Promise<DeleteResponseItem[]>;
  prune(opts?: PruneImagesOptions): Promise<PruneImagesResult>;
}

export interface ImageCatalog extends ImageLookup, ImageWriter {}
