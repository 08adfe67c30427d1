import type { ContentStore } from './content/content-store';
import type { ImageArchiver } from './image-archiver';
import type { ImageCatalog } from './image-catalog';
import type { ImageCommitter } from './image-committer';
import type { LayerStore } from './layer-store';
import type { ManifestImporter } from './manifest-importer';
import type { Snapshotter } from './snapshotter';

/**
 * Everything @berth/image-store offers, composed. Callers should hold on to the narrowest
 * part they need (a pull takes `content`, `layers` and `images`; the runtime side takes
 * `snapshots`).
 */
export interface ImageStore {
  /** The data root this store lives in. */
  readonly root: string;
  readonly content: ContentStore;
  readonly layers: LayerStore;
  readonly images: ImageCatalog;
  readonly snapshots: Snapshotter;
  readonly archives: ImageArchiver;
  /** docker commit and the builder's steps. */
  readonly committer: ImageCommitter;
  /** The last step of a pull: unpack and record an image whose blobs are in `content`. */
  readonly manifests: ManifestImporter;
}
