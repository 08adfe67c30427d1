import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CriImageBackend } from '@berth/cri';
import type { Snapshotter } from '@berth/image-store';
import { mountRootfs, unmountRootfs } from '@berth/runtime';

/** The snapshot key of an image volume (apart from containers' keys, which are their IDs). */
const snapshotKey = (key: string): string => `cri-image-volume-${key}`;

/**
 * CRI image volumes (Mount.image, KEP-4639) over the image store's snapshots: an overlay of the
 * image's layers mounted at `<dir>/<key>/rootfs`, which the pod manager binds read-only into the
 * container (containerd mounts a snapshot of the image the same way). Mounting is idempotent (a
 * restarted daemon mounts again what the kernel no longer holds); unmounting drops the snapshot.
 */
export function criImageVolumes(snapshots: Snapshotter, dir: string): Required<Pick<CriImageBackend, 'mountImage' | 'unmountImage'>> {
  const keyDir = (key: string): string => {
    if (!/^[a-z0-9-]+$/.test(key)) throw new Error(`image volume key "${key}": invalid`);
    return path.join(dir, key);
  };
  return {
    mountImage: async (key, imageId) => {
      const d = keyDir(key);
      await fs.mkdir(d, { recursive: true });
      const existing = await snapshots.get(snapshotKey(key));
      const mounts = existing ? await snapshots.mounts(snapshotKey(key)) : await snapshots.prepare(snapshotKey(key), imageId, d);
      const target = path.join(d, 'rootfs');
      try {
        await mountRootfs(mounts, target);
      } catch (e) {
        if (!existing) await snapshots.remove(snapshotKey(key)).catch(() => undefined);
        throw e;
      }
      return target;
    },
    unmountImage: async (key) => {
      const d = keyDir(key);
      await unmountRootfs(path.join(d, 'rootfs'));
      await snapshots.remove(snapshotKey(key));
      await fs.rm(d, { recursive: true, force: true });
    },
  };
}
