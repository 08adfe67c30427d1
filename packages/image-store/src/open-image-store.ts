import type { Database } from '@berth/sqlite';
import { NotImplementedError } from '@berth/errdefs';
import type { ImageInUseCheck } from './image-catalog';
import type { ImageStore } from './image-store';
import type { Logger } from './logger';

export interface ImageStoreConfig {
  /** The data root (the daemon's `--data-root`); content/, layers/ and tmp/ live under it. */
  root: string;
  /** The shared berth.db; the store applies its own migrations (component `image-store`). */
  db: Database;
  logger?: Logger;
  /** Default container-use check for delete and prune (the daemon's container table). */
  isImageInUse?: ImageInUseCheck;
}

/** Opens (creating directories and tables as needed) the image store under `root`. */
export async function openImageStore(config: ImageStoreConfig): Promise<ImageStore> {
  void config;
  throw new NotImplementedError('image-store: not implemented yet');
}
