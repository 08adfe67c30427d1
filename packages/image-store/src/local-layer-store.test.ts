import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as tar from 'tar-stream';
import { sha256Digest } from '@berth/oci';
import { openImageStore } from './open-image-store';
import { listTree, tempStore, type TempStore } from './test-support/temp-store';

async function makeTar(entries: [string, string][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of entries) pack.entry({ name }, Buffer.from(data));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('LocalLayerStore', () => {
  let t: TempStore;
  beforeEach(async () => {
    t = await tempStore();
  });
  afterEach(async () => {
    await t.close();
  });

  it('ingests a gzip layer once: dir, link, row, and the uncompressed tar under its diffID', async () => {
    const layer = await makeTar([['a/b.txt', 'hello']]);
    const diffId = sha256Digest(layer);
    const rec = await t.store.layers.ingest(Readable.from([gzipSync(layer)]), { expectedDiffId: diffId });
    expect(rec).toMatchObject({ diffId, size: 5, tarSize: layer.length });
    expect(rec.link).toMatch(/^[A-Z2-7]{26}$/);
    expect(await fs.readFile(path.join(t.store.layers.diffDir(diffId), 'a/b.txt'), 'utf8')).toBe('hello');
    expect(await fs.readlink(path.join(t.root, 'layers/l', rec.link))).toBe(`../${diffId.slice(7)}/diff`);
    const chunks: Buffer[] = [];
    for await (const c of await t.store.layers.tarStream(diffId)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(layer)).toBe(true);
    const again = await t.store.layers.ingest(Readable.from([layer]));
    expect(again.link).toBe(rec.link);
    expect((await t.store.layers.list()).length).toBe(1);
    // staged sources: the compressed digest is reported for verification of pulls
    const staged = await t.store.layers.stage(Readable.from([gzipSync(layer)]));
    expect(staged.sourceDigest).not.toBe(diffId);
    expect(staged.diffId).toBe(diffId);
    await staged.discard();
  });

  it('a layer whose dir went missing is unpacked again (its row, used by an image, is kept)', async () => {
    const layer = await makeTar([['a', 'b']]);
    const rec = await t.store.layers.ingest(Readable.from([layer]));
    await t.store.images.create({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [rec.diffId] } });
    await fs.rm(path.join(t.root, 'layers', rec.diffId.slice(7)), { recursive: true });
    const again = await t.store.layers.ingest(Readable.from([layer]));
    expect(again.link).toBe(rec.link);
    expect(await fs.readFile(path.join(t.store.layers.diffDir(rec.diffId), 'a'), 'utf8')).toBe('b');
  });

  it('at open, undoes a commit a crash cut: a layer dir without its row (and its tar blob), short links to nothing', async () => {
    const kept = await t.store.layers.ingest(Readable.from([await makeTar([['k', 'kept']])]));
    await t.store.images.create({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [kept.diffId] } });
    const before = await listTree(t.root);
    const cut = await t.store.layers.ingest(Readable.from([await makeTar([['c', 'cut']])]));
    // the state of a commit killed before its row: dir, link and blob in place, no row
    await t.db.run('DELETE FROM layers WHERE diff_id = ?', [cut.diffId]);
    await fs.symlink('../0000000000000000000000000000000000000000000000000000000000000000/diff', path.join(t.root, 'layers/l/DANGLINGDANGLINGDANGLINGDA'));
    await openImageStore({ root: t.root, db: t.db });
    expect(await listTree(t.root)).toEqual(before);
    expect(await fs.readFile(path.join(t.store.layers.diffDir(kept.diffId), 'k'), 'utf8')).toBe('kept');
  });

  it('committed but unclaimed layers survive prune until released', async () => {
    const rec = await t.store.layers.ingest(Readable.from([await makeTar([['x', 'y']])]));
    expect(await t.store.layers.prune()).toEqual([]);
    t.store.layers.release([rec.diffId]);
    expect((await t.store.layers.prune()).map((l) => l.diffId)).toEqual([rec.diffId]);
    expect(await t.store.content.has(rec.diffId)).toBe(false);
  });

  it('diffID mismatch, double compression, garbage: errors and nothing left', async () => {
    const before = await listTree(t.root);
    const layer = await makeTar([['f', 'x']]);
    await expect(t.store.layers.ingest(Readable.from([layer]), { expectedDiffId: sha256Digest('x') })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    await expect(t.store.layers.ingest(Readable.from([gzipSync(gzipSync(layer))]))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.store.layers.ingest(Readable.from([Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5])]))).rejects.toMatchObject({ code: expect.stringMatching(/DATA_LOSS|INVALID_ARGUMENT/) });
    expect(await listTree(t.root)).toEqual(before);
    expect(await t.store.layers.list()).toEqual([]);
  });

  it('an aborted ingest leaves nothing', async () => {
    const before = await listTree(t.root);
    const ac = new AbortController();
    const head = await makeTar([['f', 'x'.repeat(100)]]);
    const src = new Readable({ read() {} });
    src.push(head.subarray(0, 600));
    const p = t.store.layers.ingest(src, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await listTree(t.root)).toEqual(before);
  });
});
