import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as tar from 'tar-stream';
import type { Digest } from '@berth/oci';
import { Database } from '@berth/sqlite';
import { imageStoreMigrations } from './migrations';
import { openImageStore } from './open-image-store';

describe('openImageStore', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-open-'));
    db = await Database.open(path.join(dir, 'berth.db'));
  });
  afterEach(async () => {
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('migrations apply once and create the documented tables', async () => {
    await db.migrate(imageStoreMigrations);
    await db.migrate(imageStoreMigrations);
    const tables = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['layers', 'images', 'image_layers', 'image_blobs', 'refs', 'snapshots', 'snapshot_layers']));
    const versions = await db.all("SELECT version FROM schema_migrations WHERE component = 'image-store'");
    expect(versions).toEqual([{ version: 1 }]);
  });

  it('reopening cleans tmp/, staging dirs and orphan layers, and keeps images', async () => {
    const root = path.join(dir, 'root');
    const s1 = await openImageStore({ root, db });
    const img = await s1.archives.import(Readable.from([Buffer.alloc(1024)]));
    await s1.images.tag(img, 'kept');
    // an orphan: committed, never claimed by an image (a crash mid-pull)
    const p = tar.pack();
    p.entry({ name: 'orphan' }, Buffer.from('o'));
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p as unknown as AsyncIterable<Buffer>) chunks.push(c);
    const orphan = await s1.layers.ingest(Readable.from([Buffer.concat(chunks)]));
    await fs.writeFile(path.join(root, 'tmp', 'blob-leftover'), 'x');
    await fs.mkdir(path.join(root, 'layers', '.staging-leftover', 'diff'), { recursive: true });
    const s2 = await openImageStore({ root, db });
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([]);
    expect((await fs.readdir(path.join(root, 'layers'))).filter((n) => n.startsWith('.staging'))).toEqual([]);
    expect((await s2.images.get('kept')).id).toBe(img);
    expect(await s2.layers.has(orphan.diffId)).toBe(false);
    expect(await s2.content.has(orphan.diffId)).toBe(false);
  });

  it('reopening removes the blobs nothing references (a config or manifest written just before a crash) and keeps every referenced one', async () => {
    const root = path.join(dir, 'root');
    const s1 = await openImageStore({ root, db });
    const img = await s1.archives.import(Readable.from([Buffer.alloc(1024)]));
    await s1.images.tag(img, 'kept');
    const rec = await s1.images.get('kept');
    // a manifest listed with the image (as a pull keeps it), and one written but never listed
    const listed = await s1.content.write(Buffer.from('{"listed":true}'));
    const layerDiffIds = rec.config.rootfs.diff_ids as Digest[];
    await s1.images.create(await s1.content.readBuffer(img), { blobs: [listed.digest] });
    const orphanManifest = await s1.content.write(Buffer.from('{"schemaVersion":2,"orphan":true}'));
    // a config whose image record was never written
    const orphanConfig = await s1.content.write(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layerDiffIds } })));
    const s2 = await openImageStore({ root, db });
    expect(await s2.content.has(orphanManifest.digest)).toBe(false);
    expect(await s2.content.has(orphanConfig.digest)).toBe(false);
    expect(await s2.content.has(listed.digest)).toBe(true);
    expect(await s2.content.has(img)).toBe(true);
    for (const d of layerDiffIds) expect(await s2.content.has(d)).toBe(true);
    expect((await s2.images.get('kept')).id).toBe(rec.id);
    expect((await s2.content.list()).map((b) => b.digest).sort()).toEqual([img, listed.digest, ...layerDiffIds].sort());
  });
});
