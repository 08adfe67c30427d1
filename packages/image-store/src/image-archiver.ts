import type { Readable } from 'node:stream';
import type { Digest, ImageRunConfig } from '@berth/oci';

export interface ImportOptions {
  /** Config changes (already parsed from `-c` Dockerfile instructions). */
  changes?: Partial<ImageRunConfig>;
  /** Commit message; history comment becomes this, else `Imported from -`. */
  message?: string;
  /** Source name for the default comment (`-` for a request body). */
  source?: string;
  /** Override os/arch of the config (defaults: the host's). */
  platform?: { os: string; architecture: string; variant?: string };
  signal?: AbortSignal;
}

export interface LoadedImage {
  /** Familiar reference the image was tagged with, if the archive named one. */
  reference?: string;
  imageId: Digest;
  /**
   * The image the reference pointed at before (docker prints "The image X already exists,
   * renaming the old one with ID ... to empty string").
   */
  replaced?: Digest;
}

export interface LoadOptions {
  signal?: AbortSignal;
  /** Called once per image as it is loaded (for `Loaded image: ...` progress lines). */
  onImage?: (image: LoadedImage) => void;
  /**
   * Called once per layer the load adds to the store (layers already present are skipped, as
   * docker skips them), in image then layer order, with the layer's size in the archive (for
   * docker's `Loading layer` progress lines).
   */
  onLayer?: (layer: LoadedLayer) => void;
}

export interface LoadedLayer {
  diffId: Digest;
  /** Bytes of the layer as stored in the archive. */
  size: number;
}

export interface SaveOptions {
  signal?: AbortSignal;
  /**
   * Called once per image the archive will hold, by ID, before save() returns (a bare repository
   * name stands for every tag of it, so one name can be many images): moby's one `save` event per image.
   */
  onImage?: (imageId: Digest) => void;
}

/**
 * Image archives: `docker import` (a rootfs tar), `docker load` (docker-save and OCI layout
 * archives) and `docker save` (one tar both docker and OCI tools accept).
 */
export interface ImageArchiver {
  import(input: Readable, opts?: ImportOptions): Promise<Digest>;
  load(input: Readable, opts?: LoadOptions): Promise<LoadedImage[]>;
  /** Names are references or IDs; NotFoundError `No such image: x` before any byte is produced. */
  save(names: string[], opts?: SaveOptions): Promise<Readable>;
}
