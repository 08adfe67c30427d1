import type { CriImageBackend } from '@berth/cri';
import type { ImageRecord, ImageStore } from '@berth/image-store';

/** A pull as the daemon's ImagePuller does it (mirrors, insecure registries, auth header). */
export type CriPull = (reference: string, opts: { authHeader?: string; signal?: AbortSignal }) => Promise<{ imageId: string }>;

const view = (i: ImageRecord): Awaited<ReturnType<CriImageBackend['list']>>[number] => ({
  id: i.id,
  repoTags: i.repoTags,
  repoDigests: i.repoDigests,
  size: i.size,
  user: i.config.config?.User ?? '',
});

/** The CRI's ImageService over berth's image store and puller. */
export function criImageBackend(store: Pick<ImageStore, 'images' | 'layers' | 'snapshots'>, pull: CriPull, root: string): CriImageBackend {
  return {
    pull: async (reference, opts) => ({ imageId: (await pull(reference, opts)).imageId }),
    list: async () => (await store.images.list()).map(view),
    find: async (ref) => {
      const i = await store.images.find(ref).catch(() => undefined);
      return i ? view(i) : undefined;
    },
    remove: async (imageId) => {
      await store.images.delete(imageId, { force: true });
    },
    fsUsage: async () => {
      const layers = await store.layers.list();
      return {
        mountpoint: root,
        usedBytes: layers.reduce((a, l) => a + l.size, 0),
        inodesUsed: layers.reduce((a, l) => a + l.entries, 0),
      };
    },
    writableLayerUsage: async (id) => {
      if (!(await store.snapshots.get(id))) return undefined;
      const u = await store.snapshots.usage(id);
      return { mountpoint: root, usedBytes: u.size, inodesUsed: u.inodes };
    },
  };
}
