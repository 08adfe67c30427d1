import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Database } from '@berth/sqlite';
import { LocalContentStore } from './content/local-content-store';
import type { ImageInUseCheck } from './image-catalog';
import type { ImageStore } from './image-store';
import { LocalImageCommitter } from './local-image-committer';
import { LocalLayerStore } from './local-layer-store';
import { LocalManifestImporter } from './local-manifest-importer';
import { silentLogger, type Logger } from '@berth/log';
import { imageStoreMigrations } from './migrations';
import { OverlaySnapshotter } from './overlay-snapshotter';
import { StorePaths } from './paths';
import { SqliteImageCatalog } from './sqlite-image-catalog';
import { TarImageArchiver } from './tar-image-archiver';

export interface ImageStoreConfig {
  /** The data root (the daemon's `--data-root`); content/, layers/ and tmp/ live under it. */
  root: string;
  /** The shared berth.db; the store applies its own migrations (component `image-store`). */
  db: Database;
  logger?: Logger;
  /** Default container-use check for delete and prune (the daemon's container table). */
  isImageInUse?: ImageInUseCheck;
}

/**
 * Opens (creating directories and tables as needed) the image store under `root`: applies
 * the migrations, empties `<root>/tmp`, removes half-unpacked layers left by a crash and the
 * blobs nothing references (written just before a crash).
 */
export async function openImageStore(config: ImageStoreConfig): Promise<ImageStore> {
  const logger = config.logger ?? silentLogger;
  const root = path.resolve(config.root);
  const paths = new StorePaths(root);
  await fs.mkdir(root, { recursive: true });
  await fs.rm(paths.tmpDir, { recursive: true, force: true });
  await config.db.migrate(imageStoreMigrations);
  const content = new LocalContentStore({ dir: paths.contentDir, tmpDir: paths.tmpDir });
  await content.init();
  const layers = new LocalLayerStore(paths, config.db, content, logger);
  await layers.init();
  // Layers no image or snapshot uses (a pull or load cut short by a crash) go now.
  const orphans = await layers.prune();
  if (orphans.length > 0) logger.info({ layers: orphans.length }, 'removed orphan layers');
  const images = new SqliteImageCatalog(config.db, content, layers, logger, config.isImageInUse);
  // Blobs no image or layer names (a config or manifest written just before a crash) go too.
  const blobs = await images.sweepUnreferencedBlobs();
  if (blobs.length > 0) logger.info({ blobs }, 'removed unreferenced blobs');
  const snapshots = new OverlaySnapshotter(paths, config.db, layers, images, logger);
  const archives = new TarImageArchiver(content, layers, images, logger);
  const committer = new LocalImageCommitter(layers, images);
  const manifests = new LocalManifestImporter(content, layers, images);
  return { root, content, layers, images, snapshots, archives, committer, manifests };
}
