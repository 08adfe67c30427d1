import * as path from 'node:path';
import { digestHex } from '@berth/oci';

/**
 * Every path under the data root that this package owns, built in one place:
 *
 *   <root>/content/sha256/<hex>         blobs
 *   <root>/tmp/                         ingests in progress (cleaned at open)
 *   <root>/layers/<diffIdHex>/diff      unpacked layers
 *   <root>/layers/<diffIdHex>/link      the layer's short name
 *   <root>/layers/l/<short>             -> ../<diffIdHex>/diff
 *   <root>/layers/empty                 an empty dir: the lower dir of an image without layers
 *   <root>/layers/.staging-<random>/    layers being unpacked (cleaned at open)
 */
export class StorePaths {
  constructor(readonly root: string) {}
  get contentDir(): string {
    return path.join(this.root, 'content');
  }
  get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }
  get layersDir(): string {
    return path.join(this.root, 'layers');
  }
  get linksDir(): string {
    return path.join(this.layersDir, 'l');
  }
  get emptyLayerDir(): string {
    return path.join(this.layersDir, 'empty');
  }
  layerDir(diffId: string): string {
    return path.join(this.layersDir, digestHex(diffId));
  }
  layerDiffDir(diffId: string): string {
    return path.join(this.layerDir(diffId), 'diff');
  }
  linkPath(link: string): string {
    return path.join(this.linksDir, link);
  }
  /** The link target, relative to the links dir. */
  linkTarget(diffId: string): string {
    return `../${digestHex(diffId)}/diff`;
  }
}
