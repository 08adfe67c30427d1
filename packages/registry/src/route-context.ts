import type { Request, Response } from 'express';
import type { AccessController } from './access-controller';
import type { BlobStore } from './blob-store';
import type { Logger } from '@berth/log';
import type { Upstream } from './proxy-upstream';
import type { RegistryMetadata } from './registry-metadata';
import type { Access } from './token-service';
import type { UploadFiles } from './upload-files';

/** What every handler works with. */
export interface RegistryDeps {
  blobs: BlobStore;
  meta: RegistryMetadata;
  uploads: UploadFiles;
  access: AccessController;
  log: Logger;
  /** Pull-through cache mode: where misses are fetched from. */
  upstream?: Upstream;
}

export interface RouteContext {
  req: Request;
  res: Response;
  deps: RegistryDeps;
  /** Repository name, when the route has one. */
  name: string;
  /** The route's other captured segment (a digest, tag or upload uuid). */
  param: string;
  /** Checks access beyond the route's own (e.g. `pull` on a mount's source). */
  allowed(wanted: Access[]): Promise<boolean>;
}

export type Handler = (ctx: RouteContext) => Promise<void>;

/** The access a route needs on its repository. */
export function repoAccess(name: string, ...actions: string[]): Access[] {
  return [{ type: 'repository', name, actions }];
}
