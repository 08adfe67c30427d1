/**
 * @berth/image-store: content store, layer store, image and reference catalog, overlay
 * snapshots and image archives (import, load, save). See README.md.
 */
export { openImageStore, type ImageStoreConfig } from './open-image-store';
export type { ImageStore } from './image-store';
export type { Logger } from '@berth/log';
export type {
  ContentStore,
  ContentProvider,
  ContentIngester,
  ContentManager,
  ContentInfo,
  ExpectedContent,
  ReadOptions,
} from './content/content-store';
export { LocalContentStore, type LocalContentStoreConfig } from './content/local-content-store';
export type {
  LayerStore,
  LayerProvider,
  LayerIngester,
  LayerManager,
  LayerRecord,
  StagedLayer,
  IngestLayerOptions,
} from './layer-store';
export type {
  ImageCatalog,
  ImageLookup,
  ImageWriter,
  ImageRecord,
  DeleteResponseItem,
  ImageUser,
  ImageInUseCheck,
  ImageListFilters,
  DeleteImageOptions,
  PruneImagesOptions,
  PruneImagesResult,
  HistoryItem,
  CreateImageOptions,
} from './image-catalog';
export type { Snapshotter, Mount, SnapshotInfo, SnapshotUsage } from './snapshotter';
export type { ImageArchiver, ImportOptions, LoadOptions, LoadedImage, SaveOptions } from './image-archiver';
export type { ImageCommitter, CommitOptions } from './image-committer';
export type { ManifestImporter, ImportManifestOptions } from './manifest-importer';
export { EMPTY_LAYER_DIFF_ID } from './local-image-committer';
export { imageStoreMigrations } from './migrations';
// Layer tar I/O, for export (`packDirectory(rootfs)`), cp and commit.
export {
  packDirectory,
  unpackLayer,
  readTar,
  TypeFlag,
  deviceEntrySkipped,
  mknodIgnorable,
  runningInUserNs,
  xattrIgnorable,
  xattrsToApply,
  entryTimes,
  exactOfNs,
  copiedXattrs,
  type ExactTime,
  type TarEntry,
  type TarSink,
  type PackDirectoryOptions,
  type PackMode,
  type UnpackResult,
  type UnpackLayerOptions,
  type LayerLimits,
} from './layer';
