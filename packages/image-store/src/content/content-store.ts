import type { Readable } from 'node:stream';
import type { Digest } from '@berth/oci';

/**
 * The content store: blobs addressed by their sha256 digest, cut by role the way
 * containerd does. A pull or a load takes an `ContentIngester`, readers a `ContentProvider`,
 * garbage collection a `ContentManager`; `ContentStore` is all three.
 *
 * A blob either exists whole and verified, or not at all: writes go to a temp file, are
 * hashed on the way, checked against what the caller expected, fsynced and renamed.
 */
export interface ContentInfo {
  digest: Digest;
  size: number;
  /** When the blob was committed (file mtime). */
  createdAt: Date;
}

export interface ReadOptions {
  signal?: AbortSignal;
}

/** What the writer of a blob may promise about it; checked at commit. */
export interface ExpectedContent {
  digest?: Digest;
  size?: number;
}

export interface ContentProvider {
  has(digest: Digest): Promise<boolean>;
  /** NotFoundError when absent. */
  info(digest: Digest): Promise<ContentInfo>;
  readStream(digest: Digest, opts?: ReadOptions): Promise<Readable>;
  /** Reads a whole blob; InvalidArgumentError if it is larger than `maxSize` (default 64 MiB). */
  readBuffer(digest: Digest, opts?: ReadOptions & { maxSize?: number }): Promise<Buffer>;
  /** Absolute path of a committed blob (for readers that need a file, e.g. a registry's sendfile). */
  blobPath(digest: Digest): string;
}

export interface ContentIngester {
  /**
   * Writes a blob. Hashes while writing; a mismatch with `expected` throws DataLossError and
   * leaves nothing behind. Writing a blob that exists already is a no-op (the input is still
   * read to its end and verified).
   */
  write(input: Readable | Buffer, expected?: ExpectedContent, opts?: { signal?: AbortSignal }): Promise<ContentInfo>;
}

export interface ContentManager {
  /** Removes a blob; NotFoundError when absent. */
  delete(digest: Digest): Promise<void>;
  list(): Promise<ContentInfo[]>;
}

export interface ContentStore extends ContentProvider, ContentIngester, ContentManager {}
