import * as path from 'node:path';
import { FailedPreconditionError } from '@berth/errdefs';

/** The Linux calls Node lacks, from the package's N-API addon (native/src/berth_layer.c).
 * Paths are strings (UTF-8) or Buffers (raw bytes, for names that are not UTF-8). */
export interface LayerNative {
  /** mknod(2); `mode` carries the file type (S_IFCHR, S_IFBLK, S_IFIFO) and the permission bits. */
  mknod(path: string | Buffer, mode: number, major: number, minor: number): void;
  /** lsetxattr(2): never follows a symlink. */
  lsetxattr(path: string | Buffer, name: string, value: Buffer): void;
  /** lgetxattr(2): null when the attribute is absent or the file system has none. */
  lgetxattr(path: string | Buffer, name: string): Buffer | null;
  /** llistxattr(2): [] when the file system has no xattrs. */
  llistxattr(path: string | Buffer): string[];
}

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

// src/layer and dist/layer sit at the same depth below the package root.
const ADDON_PATH = path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'berth_layer.node');

let cached: LayerNative | undefined;

/** Loads the addon once; a missing build is a clear FailedPreconditionError naming the fix. */
export function layerNative(): LayerNative {
  if (cached === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon is loaded by path, and only when first needed (a clear error if it is not built)
      cached = require(ADDON_PATH) as LayerNative;
    } catch (err) {
      throw new FailedPreconditionError(
        `layer native addon "${ADDON_PATH}": cannot load (run \`npm run build:native -w @berth/image-store\`)`,
        { cause: err },
      );
    }
  }
  return cached;
}

/** The path of the addon, for tools and tests that build it on demand. */
export const LAYER_NATIVE_PATH = ADDON_PATH;
