import { createReadStream, promises as fs } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as tar from 'tar-stream';
import type { Digest } from '@berth/oci';
import type { Mount } from './snapshotter';
import { tempStore, type TempStore } from './test-support/temp-store';

const DOCKER_SAVE = path.resolve(__dirname, '../../..', 'test-e2e', 'fixtures', 'multilayer.docker-save.tar');

async function makeTar(entries: [string, string][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of entries) pack.entry({ name }, Buffer.from(data));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function mount(m: Mount, target: string): void {
  execFileSync('mount', ['-t', m.type, m.source, '-o', m.options.join(','), target], { cwd: m.cwd });
}

describe('OverlaySnapshotter', () => {
  let t: TempStore;
  const mounted: string[] = [];
  beforeEach(async () => {
    t = await tempStore();
  });
  afterEach(async () => {
    for (const m of mounted.splice(0)) execFileSync('umount', [m]);
    await t.close();
  });

  it('prepares upper/work and describes an overlay mount of the image layers', async () => {
    const [{ imageId }] = await t.store.archives.load(createReadStream(DOCKER_SAVE));
    const cdir = path.join(t.dir, 'containers', 'c1');
    const mounts = await t.store.snapshots.prepare('c1', imageId!, cdir);
    expect(mounts.length).toBe(1);
    const m = mounts[0]!;
    expect(m).toMatchObject({ type: 'overlay', source: 'overlay' });
    expect(m.cwd).toBeUndefined();
    expect(m.options).toEqual(expect.arrayContaining([`upperdir=${cdir}/upper`, `workdir=${cdir}/work`]));
    expect(m.options[0]).toMatch(/^lowerdir=.*\/layers\/l\/[A-Z2-7]{26}(:.*\/layers\/l\/[A-Z2-7]{26}){4}$/);
    await expect(t.store.snapshots.prepare('c1', imageId!, cdir)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const rootfs = path.join(cdir, 'rootfs');
    await fs.mkdir(rootfs);
    mount(m, rootfs);
    mounted.push(rootfs);
    expect(await fs.readFile(path.join(rootfs, 'srv/greeting.txt'), 'utf8')).toBe('hello\n');
    await expect(fs.access(path.join(rootfs, 'gone'))).rejects.toThrow(); // whiteout
    await fs.writeFile(path.join(rootfs, 'new-file'), 'x'.repeat(1000));
    expect((await t.store.snapshots.usage('c1')).size).toBe(1000);
    execFileSync('umount', [mounted.pop()!]);
    // the image cannot lose its layers while the snapshot lives, even when force-deleted
    await t.store.images.delete(imageId!, { force: true });
    expect((await t.store.layers.list()).length).toBe(5);
    await t.store.snapshots.remove('c1');
    await expect(fs.access(path.join(cdir, 'upper'))).rejects.toThrow();
    expect(await t.store.layers.list()).toEqual([]);
    expect((await fs.readdir(path.join(t.root, 'layers', 'l')))).toEqual([]);
    expect((await fs.readdir(path.join(t.root, 'content', 'sha256')))).toEqual([]);
  });

  it('an image without layers gets the empty lower dir', async () => {
    const img = await t.store.images.create({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
    const cdir = path.join(t.dir, 'c0');
    const [m] = await t.store.snapshots.prepare('c0', img.id, cdir);
    expect(m!.options[0]).toBe(`lowerdir=${path.join(t.root, 'layers', 'empty')}`);
    const rootfs = path.join(cdir, 'rootfs');
    await fs.mkdir(rootfs);
    mount(m!, rootfs);
    mounted.push(rootfs);
    expect(await fs.readdir(rootfs)).toEqual([]);
  });

  it('many layers: relative short names and cwd keep the options under one page', async () => {
    const diffIds: Digest[] = [];
    for (let i = 0; i < 130; i++) {
      const l = await t.store.layers.ingest(Readable.from([await makeTar([[`f${i}`, `${i}`]])]));
      diffIds.push(l.diffId);
    }
    const img = await t.store.images.create({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } });
    const cdir = path.join(t.dir, 'c-many');
    const [m] = await t.store.snapshots.prepare('many', img.id, cdir);
    expect(m!.cwd).toBe(path.join(t.root, 'layers'));
    expect(m!.options[0]).toMatch(/^lowerdir=l\/[A-Z2-7]{26}:/);
    expect(m!.options.join(',').length).toBeLessThan(4096);
    const rootfs = path.join(cdir, 'rootfs');
    await fs.mkdir(rootfs);
    mount(m!, rootfs);
    mounted.push(rootfs);
    expect((await fs.readdir(rootfs)).length).toBe(130);
    expect(await fs.readFile(path.join(rootfs, 'f129'), 'utf8')).toBe('129');
  });

  it('a layer that appears twice is mounted once (overlayfs refuses duplicates)', async () => {
    const a = await t.store.layers.ingest(Readable.from([await makeTar([['x', 'a']])]));
    const b = await t.store.layers.ingest(Readable.from([await makeTar([['x', 'b']])]));
    const img = await t.store.images.create({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [a.diffId, b.diffId, a.diffId] } });
    const cdir = path.join(t.dir, 'c-dup');
    const [m] = await t.store.snapshots.prepare('dup', img.id, cdir);
    expect(m!.options[0]!.split(':').length).toBe(2);
    const rootfs = path.join(cdir, 'rootfs');
    await fs.mkdir(rootfs);
    mount(m!, rootfs);
    mounted.push(rootfs);
    expect(await fs.readFile(path.join(rootfs, 'x'), 'utf8')).toBe('a');
  });
});
