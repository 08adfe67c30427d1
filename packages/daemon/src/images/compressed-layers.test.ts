import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Database } from '@berth/sqlite';
import type { ImageCatalog, ImageStore } from '@berth/image-store';
import type { Digest } from '@berth/oci';
import { CompressedLayers, compressedLayerMigrations, sweepingAfterRemovals } from './compressed-layers';

const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;

describe('CompressedLayers.sweep', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-compressed-'));
    db = await Database.open(path.join(dir, 'berth.db'));
    await db.migrate(compressedLayerMigrations);
  });
  afterEach(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('drops the gzip blob and row of a layer that is gone, keeps those of layers still there', async () => {
    await db.run('INSERT INTO compressed_layers (diff_id, compression, digest, size) VALUES (?, ?, ?, ?)', [d('a'), 'gzip', d('1'), 10]);
    await db.run('INSERT INTO compressed_layers (diff_id, compression, digest, size) VALUES (?, ?, ?, ?)', [d('b'), 'gzip', d('2'), 20]);
    const deleted: string[] = [];
    const store = {
      layers: { has: async (diffId: Digest) => diffId === d('b') },
      content: { delete: async (digest: Digest) => void deleted.push(digest) },
    } as unknown as ImageStore;
    await new CompressedLayers(db, store).sweep();
    expect(deleted).toEqual([d('1')]);
    expect(await db.all('SELECT diff_id FROM compressed_layers')).toEqual([{ diff_id: d('b') }]);
  });

  it('the catalog wrapper sweeps after delete and prune, even when they fail, and passes the rest through', async () => {
    let sweeps = 0;
    const catalog = {
      delete: async () => {
        throw new Error('conflict');
      },
      prune: async () => ({ ImagesDeleted: [], SpaceReclaimed: 0 }),
      list: async function (this: { tag: string }) {
        return [this.tag];
      },
      tag: 'bound',
    } as unknown as ImageCatalog;
    const wrapped = sweepingAfterRemovals(catalog, async () => void sweeps++);
    await expect(wrapped.delete('x')).rejects.toThrow('conflict');
    await wrapped.prune();
    expect(sweeps).toBe(2);
    expect(await wrapped.list()).toEqual(['bound']);
  });
});
