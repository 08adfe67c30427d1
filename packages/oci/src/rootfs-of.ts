import type { ImageConfig } from './image';

/**
 * An image config's `rootfs` for these layers (diff IDs, lowest first). moby's RootFS has
 * `diff_ids` omitempty: an image without layers has none in its config (its ID depends on it).
 */
export function rootfsOf(diffIds: readonly string[]): ImageConfig['rootfs'] {
  return (diffIds.length ? { type: 'layers', diff_ids: [...diffIds] } : { type: 'layers' }) as ImageConfig['rootfs'];
}
