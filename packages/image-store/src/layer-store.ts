import type { Readable } from 'node:stream';
import type { Digest } from '@berth/oci';

/**
 * The layer store: one unpacked directory per layer, keyed by its diffID (the sha256 of the
 * uncompressed layer tar), shared by every image that has it.
 *
 *   <root>/layers/<diffIdHex>/diff      the unpacked layer (overlay whiteouts, opaque dirs)
 *   <root>/layers/<diffIdHex>/link      the short link name of the layer (26 chars)
 *   <root>/layers/l/<short> -> ../<diffIdHex>/diff
 *
 * The uncompressed layer tar itself is kept in the content store under its diffID: it is
 * what `save` writes (a tar re-packed from the directory would not hash to the diffID).
 */
export interface LayerRecord {
  diffId: Digest;
  /** Bytes of file content in the layer (what docker reports as the layer's size). */
  size: number;
  /** Number of tar entries. */
  entries: number;
  /** Size of the uncompressed layer tar blob (in the content store under diffId). */
  tarSize: number;
  /** The short link name under <root>/layers/l/. */
  link: string;
  created: Date;
}

export interface IngestLayerOptions {
  /** When given, a layer whose tar hashes to something else is refused (DataLossError). */
  expectedDiffId?: Digest;
  signal?: AbortSignal;
}

/**
 * A layer unpacked and hashed but not yet published: the daemon (or the archiver) checks its
 * diffID against a config first, then commits it or discards it.
 */
export interface StagedLayer {
  readonly diffId: Digest;
  readonly size: number;
  readonly entries: number;
  /** Digest and size of the input as it came (before decompression). */
  readonly sourceDigest: Digest;
  readonly sourceSize: number;
  /** Publishes the layer (a no-op for the directory if the diffID exists already). */
  commit(): Promise<LayerRecord>;
  /** Removes every trace of the staged layer. Safe to call twice or after commit (no-op then). */
  discard(): Promise<void>;
}

/** Reading side of the layer store. */
export interface LayerProvider {
  get(diffId: Digest): Promise<LayerRecord | undefined>;
  has(diffId: Digest): Promise<boolean>;
  list(): Promise<LayerRecord[]>;
  /** Absolute path of the layer's unpacked directory. */
  diffDir(diffId: Digest): string;
  /** The uncompressed layer tar (from the content store): exactly the bytes that hash to diffId. */
  tarStream(diffId: Digest, opts?: { signal?: AbortSignal }): Promise<Readable>;
}

/** Writing side of the layer store. */
export interface LayerIngester {
  /**
   * Unpacks a layer tar (plain or gzip) and hashes it in one pass; publish with commit().
   * The input stays the caller's: it is never destroyed; on failure it is drained.
   */
  stage(input: Readable, opts?: { signal?: AbortSignal }): Promise<StagedLayer>;
  /** stage + check expectedDiffId + commit. */
  ingest(input: Readable, opts?: IngestLayerOptions): Promise<LayerRecord>;
  /** Turns a directory (a container's overlay upper dir, by default) into a layer. */
  ingestDirectory(dir: string, opts?: { mode?: 'rootfs' | 'overlay-diff'; signal?: AbortSignal }): Promise<LayerRecord>;
}

export interface LayerManager {
  /**
   * Removes the layers (rows, dirs, links, tar blobs) that no image and no snapshot uses.
   * Layers committed since the store was opened are spared until an image claims them
   * (`images.create`) or they are released: a pull or load in progress keeps its layers.
   */
  prune(): Promise<LayerRecord[]>;
  /** Gives up layers committed for an image that will not be created (a failed pull). */
  release(diffIds: readonly Digest[]): void;
}

export interface LayerStore extends LayerProvider, LayerIngester, LayerManager {}
