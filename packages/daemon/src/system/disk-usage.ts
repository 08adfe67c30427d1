import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DataRoot } from '../layout';

/**
 * Apparent size in bytes of everything under `dir` (as `du -sbx`): files, directories and links
 * by their lstat size, a hard-linked inode once (per `seen`), without entering other file
 * systems (a container's mounted rootfs is not counted twice). 0 when `dir` is absent.
 */
export async function treeSize(dir: string, seen: Set<string> = new Set()): Promise<number> {
  const top = await fs.lstat(dir).catch(() => undefined);
  if (!top) return 0;
  const walk = async (p: string, st: Awaited<ReturnType<typeof fs.lstat>>): Promise<number> => {
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return 0;
    seen.add(key);
    let total = Number(st.size);
    if (!st.isDirectory()) return total;
    const names = await fs.readdir(p).catch(() => [] as string[]);
    for (const n of names) {
      const child = path.join(p, n);
      const cst = await fs.lstat(child).catch(() => undefined);
      if (!cst) continue;
      if (cst.dev !== top.dev) continue; // a mount point (a running container's rootfs)
      total += await walk(child, cst);
    }
    return total;
  };
  return walk(dir, top);
}

/** What `GET /system/df` needs from the rest of the daemon. */
export interface DiskUsageSources {
  layout: DataRoot;
  /** Image summaries with Size (unpacked layers) and Containers filled in. */
  images(): Promise<{ Id: string; Size: number; SharedSize?: number; Containers?: number }[]>;
  /** Container summaries (`docker ps -a --size`). */
  containers(): Promise<{ Id: string; SizeRw?: number }[]>;
  /** Volumes with their number of users. */
  volumes(): Promise<{ Name: string; Mountpoint: string; refCount: number }[]>;
}

/**
 * `GET /system/df` with every byte under the data root accounted for (apparent sizes, as
 * `du -sbx`): `LayersSize` is the image store (blobs, unpacked layers, the shared database and the
 * daemon's own small files: everything that is not a container's or a volume's); a container's
 * `SizeRw` here is its whole directory (writable layer, json-file logs, bundle files); a
 * volume's `UsageData.Size` its directory. Their sum equals `treeSize(root)`.
 */
export async function diskUsage(src: DiskUsageSources): Promise<Record<string, unknown>> {
  const layout = src.layout;
  const seen = new Set<string>();
  const images = await src.images();
  const containers = await src.containers();
  const volumes = await src.volumes();
  const containerSizes = new Map<string, number>();
  for (const c of containers) containerSizes.set(c.Id, await treeSize(layout.containerDir(c.Id), seen));
  const volumeSizes = new Map<string, number>();
  for (const v of volumes) volumeSizes.set(v.Name, await treeSize(path.dirname(v.Mountpoint), seen));
  // the rest: the image store and metadata (containers' and volumes' inodes are already seen)
  const total = await treeSize(layout.root, seen);
  return {
    LayersSize: total,
    Images: images,
    Containers: containers.map((c) => ({ ...c, SizeRw: containerSizes.get(c.Id) ?? c.SizeRw ?? 0 })),
    Volumes: volumes.map(({ refCount, ...v }) => ({ ...v, UsageData: { RefCount: refCount, Size: volumeSizes.get(v.Name) ?? 0 } })),
    BuildCache: [],
  };
}
