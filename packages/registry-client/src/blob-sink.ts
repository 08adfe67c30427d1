import type { Readable } from 'node:stream';
import type { Descriptor } from '@berth/oci';

/**
 * Where a pull writes what it downloads (the daemon passes its content store).
 *
 * `ingest` gets the blob as a stream that the client verifies as it flows: when the bytes do
 * not match `desc.digest`/`desc.size` the stream fails with a DataLossError before it ends,
 * and the sink must then keep nothing (temp file, verify, rename). A sink may verify again.
 */
export interface BlobSink {
  /** Whether the blob is already stored whole (then it is not downloaded). */
  has(digest: string): Promise<boolean>;
  ingest(desc: Descriptor, content: Readable, signal?: AbortSignal): Promise<void>;
}

/** Where a push reads blobs and manifests from (the daemon passes its content store). */
export interface BlobSource {
  open(desc: Descriptor, signal?: AbortSignal): Promise<Readable>;
}

/** Bytes moved for one blob, reported as they move. */
export interface ProgressEvent {
  digest: string;
  /** Bytes done so far (including bytes skipped because a resume started further on). */
  current: number;
  total: number;
  /**
   * `exists`/`mounted`: nothing was transferred; `done`: the blob is complete; `retrying`: an
   * upload failed and is tried again from a new session in `retryInMs`.
   */
  status: 'downloading' | 'uploading' | 'exists' | 'mounted' | 'done' | 'retrying';
  /** With `retrying`: the wait before the next try. */
  retryInMs?: number;
}

export type ProgressCallback = (e: ProgressEvent) => void;
