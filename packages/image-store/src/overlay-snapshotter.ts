import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AlreadyExistsError, NotFoundError } from '@berth/errdefs';
import type { Database } from '@berth/sqlite';
import type { LocalLayerStore } from './local-layer-store';
import type { Logger } from '@berth/log';
import type { StorePaths } from './paths';
import type { SqliteImageCatalog } from './sqlite-image-catalog';
import type { Mount, SnapshotInfo, SnapshotUsage, Snapshotter } from './snapshotter';
import { removeTree } from '@berth/fs';

interface SnapshotRow {
  key: string;
  image_id: string;
  dir: string;
  created: string;
}

/**
 * The kernel copies mount options into one page; leave room for what the runtime may add
 * (e.g. SELinux context).
 */
const MAX_MOUNT_OPTIONS = 4096 - 512;

/**
 * Overlay snapshots: lower dirs are the image's layer dirs (top first), named by their short
 * links under `<root>/layers/l/`; upper and work dirs live in the caller's dir.
 * Mounts are described with absolute lower dirs when they fit in a page, otherwise with
 * names relative to `<root>/layers` and `cwd` set (the runtime must mount from there).
 */
export class OverlaySnapshotter implements Snapshotter {
  constructor(
    private readonly paths: StorePaths,
    private readonly db: Database,
    private readonly layers: LocalLayerStore,
    private readonly images: SqliteImageCatalog,
    private readonly logger: Logger,
  ) {}

  async prepare(key: string, imageId: string | undefined, dir: string): Promise<Mount[]> {
    // independent reads at once (a container start waits for this); no image: no layers
    const [existing, img] = await Promise.all([this.get(key), imageId === undefined ? { id: '', layers: [] } : this.images.get(imageId)]);
    if (existing) throw new AlreadyExistsError(`snapshot "${key}": already exists`);
    const upper = path.join(dir, 'upper');
    const work = path.join(dir, 'work');
    const made = await Promise.allSettled([
      fs.mkdir(upper, { recursive: true, mode: 0o755 }),
      fs.mkdir(work, { recursive: true, mode: 0o700 }),
    ]);
    for (const r of made) if (r.status === 'rejected') throw r.reason;
    try {
      await this.db.transaction(async (tx) => {
        await tx.run('INSERT INTO snapshots (key, image_id, dir, created) VALUES (?, ?, ?, ?)', [key, img.id, path.resolve(dir), new Date().toISOString()]);
        for (let i = 0; i < img.layers.length; i++) {
          await tx.run('INSERT INTO snapshot_layers (key, position, diff_id) VALUES (?, ?, ?)', [key, i, img.layers[i]!]);
        }
      });
    } catch (e) {
      await removeTree(upper);
      await removeTree(work);
      throw e;
    }
    this.logger.debug({ key, imageId: img.id || undefined }, 'snapshot prepared');
    return this.mounts(key);
  }

  async mounts(key: string): Promise<Mount[]> {
    const snap = await this.get(key);
    if (!snap) throw new NotFoundError(`snapshot "${key}": not found`);
    const rows = await this.db.all<{ diff_id: string }>('SELECT diff_id FROM snapshot_layers WHERE key = ? ORDER BY position DESC', [key]);
    // overlayfs refuses a lower dir given twice (ELOOP). Keeping only the topmost occurrence
    // of a layer is exact: whatever the lower copy defines, the upper copy defines too.
    const seen = new Set<string>();
    const top = rows.map((r) => r.diff_id).filter((d) => !seen.has(d) && seen.add(d) !== undefined);
    const links = await this.layers.links(top);
    const upper = path.join(snap.dir, 'upper');
    const work = path.join(snap.dir, 'work');
    const tail = [`upperdir=${upper}`, `workdir=${work}`];
    if (links.length === 0) {
      return [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${this.paths.emptyLayerDir}`, ...tail] }];
    }
    const absolute = [`lowerdir=${links.map((l) => this.paths.linkPath(l)).join(':')}`, ...tail];
    if (absolute.join(',').length <= MAX_MOUNT_OPTIONS) return [{ type: 'overlay', source: 'overlay', options: absolute }];
    const relative = [`lowerdir=${links.map((l) => `l/${l}`).join(':')}`, ...tail];
    return [{ type: 'overlay', source: 'overlay', options: relative, cwd: this.paths.layersDir }];
  }

  async get(key: string): Promise<SnapshotInfo | undefined> {
    const r = await this.db.get<SnapshotRow>('SELECT * FROM snapshots WHERE key = ?', [key]);
    return r && { key: r.key, imageId: r.image_id, dir: r.dir, created: new Date(r.created) };
  }

  async list(): Promise<SnapshotInfo[]> {
    const rows = await this.db.all<SnapshotRow>('SELECT * FROM snapshots ORDER BY created');
    return rows.map((r) => ({ key: r.key, imageId: r.image_id, dir: r.dir, created: new Date(r.created) }));
  }

  async upperDir(key: string): Promise<string> {
    const snap = await this.get(key);
    if (!snap) throw new NotFoundError(`snapshot "${key}": not found`);
    return path.join(snap.dir, 'upper');
  }

  async usage(key: string): Promise<SnapshotUsage> {
    const upper = await this.upperDir(key);
    const u: SnapshotUsage = { size: 0, inodes: 0 };
    await walk(upper, u);
    return u;
  }

  async remove(key: string): Promise<void> {
    const snap = await this.get(key);
    if (!snap) return;
    await removeTree(path.join(snap.dir, 'upper'));
    await removeTree(path.join(snap.dir, 'work'));
    await this.db.run('DELETE FROM snapshots WHERE key = ?', [key]);
    // Layers that only this snapshot kept (its image was force-deleted) can go now.
    await this.layers.prune();
    this.logger.debug({ key }, 'snapshot removed');
  }
}

async function walk(dir: string, u: SnapshotUsage): Promise<void> {
  let ents: import('node:fs').Dirent[];
  try {
    ents = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of ents) {
    const p = path.join(dir, e.name);
    u.inodes++;
    if (e.isDirectory()) await walk(p, u);
    else {
      try {
        const st = await fs.lstat(p);
        if (st.isFile()) u.size += st.size;
      } catch {
        // vanished
      }
    }
  }
}
