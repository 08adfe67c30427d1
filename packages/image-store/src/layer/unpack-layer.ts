import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { BerthError, CancelledError, FailedPreconditionError, InternalError, InvalidArgumentError } from '@berth/errdefs';
import { Digester, type Digest } from '@berth/oci';
import { eachUncompressedChunk } from './decompress';
import { resolveLayerLimits, type LayerLimits } from './layer-limits';
import { LayerWriter } from './layer-writer';
import { layerNative } from './native';
import { TarExtractFeed } from './tar-extract-feed';

/**
 * Bytes allowed after the end-of-archive blocks (record padding: GNU tar pads to 10 KiB, some
 * tools more). They count for the diffID; an endless tail (a gzip bomb of zeros) is refused.
 */
const MAX_TRAILING_BYTES = 1024 * 1024;

export interface UnpackResult {
  /** sha256 of the uncompressed tar stream, every byte of it (trailing blocks included). */
  diffId: Digest;
  /** Bytes of regular files written. */
  size: number;
  /** Entries in the tar (files, dirs, links, devices, whiteouts). */
  entries: number;
}

export interface UnpackLayerOptions {
  limits?: LayerLimits;
  signal?: AbortSignal;
}

/**
 * Unpacks a layer tar (uncompressed, gzip, or zstd where Node's zlib has it; detected by magic
 * bytes) into `destDir`, which must exist and be empty, and returns its diffID (hashed while
 * unpacking, in the same pass).
 *
 * OCI whiteouts become overlayfs whiteouts: `.wh.NAME` -> a 0/0 character device NAME;
 * `.wh..wh..opq` -> xattr `trusted.overlay.opaque="y"` on its directory.
 *
 * The tar is hostile input. Nothing is ever written, linked or followed outside `destDir`: as
 * Docker's untar chrooted into the layer, names and hardlink targets are cleaned from the layer
 * root (absolute ones and ones climbing with `..` stop there), symlinks are stored as written
 * (a relative target climbing above the root included: it resolves inside the container's
 * root); hardlinks to anything but an earlier non-directory entry of the same layer and paths
 * through a symlink are refused with InvalidArgumentError naming the entry, as are entries past
 * `limits`. A corrupt gzip/zstd stream or a truncated tar -> DataLossError;
 * an aborted `signal` -> CancelledError.
 *
 * On any error `destDir` is left half-written: the caller must delete it.
 */
export async function unpackLayer(input: Readable, destDir: string, opts: UnpackLayerOptions = {}): Promise<UnpackResult> {
  const { signal } = opts;
  const limits = resolveLayerLimits(opts.limits);
  if (signal?.aborted) throw new CancelledError('layer: unpack cancelled');
  const root = checkEmptyDir(destDir);
  const native = layerNative();
  const digester = new Digester();
  const writer = new LayerWriter(root, limits, native);
  const reader = new TarExtractFeed(writer);
  const onAbort = (): void => {
    input.destroy(new CancelledError('layer: unpack cancelled'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const checkTrailing = (): void => {
      if (reader.ended && digester.size - reader.endOffset > MAX_TRAILING_BYTES) {
        throw new InvalidArgumentError(`layer: more than ${MAX_TRAILING_BYTES} bytes after the end of the tar archive`);
      }
    };
    await eachUncompressedChunk(input, (chunk) => {
      if (signal?.aborted) throw new CancelledError('layer: unpack cancelled');
      digester.update(chunk);
      const wait = reader.ended ? undefined : reader.push(chunk);
      if (wait === undefined) checkTrailing();
      else return wait.then(checkTrailing);
    });
    if (signal?.aborted) throw new CancelledError('layer: unpack cancelled');
    await reader.end();
    writer.finish();
  } catch (err) {
    reader.destroy();
    await reader.settled(); // the writer's call in flight, before it is cleaned up
    writer.abort();
    if (signal?.aborted && !(err instanceof BerthError)) throw new CancelledError('layer: unpack cancelled', { cause: err });
    if (err instanceof BerthError) throw err;
    const entry = writer.currentEntry;
    throw new InternalError(`${entry === undefined ? 'layer' : `layer entry "${entry}"`}: ${(err as Error).message}`, { cause: err });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { diffId: digester.digest(), size: writer.bytes, entries: writer.entries };
}

function checkEmptyDir(dir: string): string {
  let root: string;
  try {
    root = fs.realpathSync(dir);
    if (!fs.statSync(root).isDirectory()) throw new FailedPreconditionError(`layer directory "${dir}": not a directory`);
    if (fs.readdirSync(root).length > 0) throw new FailedPreconditionError(`layer directory "${dir}": not empty`);
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new FailedPreconditionError(`layer directory "${dir}": ${(err as Error).message}`, { cause: err });
  }
  return root;
}
