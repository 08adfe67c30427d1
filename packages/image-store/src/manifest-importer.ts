import type { Digest } from '@berth/oci';
import type { ImageRecord } from './image-catalog';

/**
 * The last step of a pull: the puller (registry-client, wired by the daemon) has put the
 * manifest's blobs (config and compressed layers) into the content store, verified; this
 * unpacks the layers that are not there yet and records the image with its references.
 */
export interface ImportManifestOptions {
  /** The image manifest bytes (Docker schema 2 or OCI; not an index). */
  manifest: Buffer;
  /** Defaults to the sha256 of `manifest`. */
  manifestDigest?: Digest;
  /** The reference pulled, e.g. `busybox` or `127.0.0.1:5000/x:v1` (tagged; `latest` by default). */
  reference?: string;
  /** Also record `<repo>@<manifestDigest>` (docker's RepoDigests). Default true when `reference` is given. */
  digestReference?: boolean;
  /** Keep the manifest and the compressed layer blobs (for push) with the image. Default true. */
  keepBlobs?: boolean;
  /** Progress per layer (by its blob digest). */
  onLayer?: (e: { digest: Digest; diffId: Digest; status: 'exists' | 'extracting' | 'done' }) => void;
  signal?: AbortSignal;
}

export interface ManifestImporter {
  importManifest(opts: ImportManifestOptions): Promise<ImageRecord>;
}
