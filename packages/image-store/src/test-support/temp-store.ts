import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Database } from '@berth/sqlite';
import type { ImageInUseCheck } from '../image-catalog';
import type { ImageStore } from '../image-store';
import { openImageStore } from '../open-image-store';

/** A fresh image store in a temp dir, for tests. */
export interface TempStore {
  dir: string;
  root: string;
  db: Database;
  store: ImageStore;
  close(): Promise<void>;
}

export async function tempStore(opts: { isImageInUse?: ImageInUseCheck } = {}): Promise<TempStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-image-store-'));
  const root = path.join(dir, 'root');
  const db = await Database.open(path.join(dir, 'berth.db'));
  const store = await openImageStore({ root, db, isImageInUse: opts.isImageInUse });
  return {
    dir,
    root,
    db,
    store,
    close: async () => {
      await db.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every file, dir and link under `dir`, relative, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string): Promise<void> {
    let ents: import('node:fs').Dirent[];
    try {
      ents = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) await walk(path.join(d, e.name), r);
    }
  }
  await walk(dir, '');
  return out.sort();
}
