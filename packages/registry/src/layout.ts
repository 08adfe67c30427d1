import path from 'node:path';

/**
 * The registry's data root, drawn in one place:
 *
 *   <root>/registry.db              SQLite: repositories, blob links, manifests, tags, uploads
 *   <root>/blobs/sha256/<hex>       blobs (layers, configs, manifests), stored once for all
 *                                   repositories, written temp → verify → fsync → rename
 *   <root>/uploads/<uuid>           the bytes of an upload session in progress
 *   <root>/tmp/                     temp files of blobs being committed; emptied at start
 */
export class RegistryLayout {
  constructor(readonly root: string) {}
  get database(): string {
    return path.join(this.root, 'registry.db');
  }
  get blobsDir(): string {
    return path.join(this.root, 'blobs');
  }
  blob(digest: string): string {
    const i = digest.indexOf(':');
    return path.join(this.blobsDir, digest.slice(0, i), digest.slice(i + 1));
  }
  get uploadsDir(): string {
    return path.join(this.root, 'uploads');
  }
  upload(uuid: string): string {
    return path.join(this.uploadsDir, uuid);
  }
  get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }
}
