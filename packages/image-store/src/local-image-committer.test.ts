import { createReadStream, promises as fs } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { sha256Digest } from '@berth/oci';
import type { Mount } from './snapshotter';
import { EMPTY_LAYER_DIFF_ID } from './local-image-committer';
import { tempStore, type TempStore } from './test-support/temp-store';

const DOCKER_SAVE = path.resolve(__dirname, '../../..', 'test-e2e', 'fixtures', 'multilayer.docker-save.tar');

function mount(m: Mount, target: string): void {
  execFileSync('mount', ['-t', m.type, m.source, '-o', m.options.join(','), target], { cwd: m.cwd });
}

describe('LocalImageCommitter', () => {
  let t: TempStore;
  const mounted: string[] = [];
  beforeEach(async () => {
    t = await tempStore();
  });
  afterEach(async () => {
    for (const m of mounted.splice(0)) execFileSync('umount', [m]);
    await t.close();
  });

  it('the empty-layer constant is the digest of two zero blocks', () => {
    expect(sha256Digest(Buffer.alloc(1024))).toBe(EMPTY_LAYER_DIFF_ID);
  });

  it('commits a container upper dir (with a deletion) as a child image', async () => {
    const [{ imageId }] = await t.store.archives.load(createReadStream(DOCKER_SAVE));
    const cdir = path.join(t.dir, 'c1');
    const [m] = await t.store.snapshots.prepare('c1', imageId!, cdir);
    const rootfs = path.join(cdir, 'rootfs');
    await fs.mkdir(rootfs);
    mount(m!, rootfs);
    mounted.push(rootfs);
    await fs.writeFile(path.join(rootfs, 'srv/added.txt'), 'added\n');
    await fs.rm(path.join(rootfs, 'srv/greeting.txt'));
    execFileSync('umount', [mounted.pop()!]);

    const img = await t.store.committer.commit({
      parent: imageId!,
      upperDir: await t.store.snapshots.upperDir('c1'),
      config: { Cmd: ['sh'], Env: ['COMMITTED=1'] },
      containerConfig: { Cmd: ['/bin/sh', '-c', 'edit'] },
      containerId: 'c'.repeat(64),
      author: 'Trace Author',
      comment: 'trace commit',
      references: ['docker.io/library/trace-committed:v1'],
    });
    expect(img.repoTags).toEqual(['trace-committed:v1']);
    expect(img.parent).toBe(imageId);
    expect(img.layers.length).toBe(6);
    expect(img.config.author).toBe('Trace Author');
    expect(img.config.comment).toBe('trace commit');
    expect(img.config.history!.length).toBe(10);
    expect(img.config.history![9]).toMatchObject({ author: 'Trace Author', created_by: '/bin/sh -c edit', comment: 'trace commit' });
    const h = await t.store.images.history('trace-committed:v1');
    expect(h[0]!.id).toBe(img.id);
    expect(h[1]!.id).toBe(imageId); // the parent
    expect(h[0]!.size).toBe(6);
    await expect(t.store.images.delete(imageId!)).rejects.toThrow(/image has dependent child images/);

    const c2 = path.join(t.dir, 'c2');
    const [m2] = await t.store.snapshots.prepare('c2', img.id, c2);
    const rootfs2 = path.join(c2, 'rootfs');
    await fs.mkdir(rootfs2);
    mount(m2!, rootfs2);
    mounted.push(rootfs2);
    expect(await fs.readFile(path.join(rootfs2, 'srv/added.txt'), 'utf8')).toBe('added\n');
    await expect(fs.access(path.join(rootfs2, 'srv/greeting.txt'))).rejects.toThrow();
  });

  it('no changes: an empty layer, not appended, history says empty_layer', async () => {
    const base = await t.store.archives.import(Readable.from([Buffer.alloc(1024)]));
    await t.store.images.tag(base, 'scratchish');
    const upper = path.join(t.dir, 'empty-upper');
    await fs.mkdir(upper);
    const img = await t.store.committer.commit({ parent: base, upperDir: upper, config: { Cmd: ['x'] }, createdBy: '/bin/sh -c #(nop)  CMD ["x"]' });
    expect(img.layers).toEqual((await t.store.images.get(base)).layers);
    expect(img.config.history!.at(-1)).toMatchObject({ created_by: '/bin/sh -c #(nop)  CMD ["x"]', empty_layer: true });
    const noDir = await t.store.committer.commit({ parent: img.id, config: { Cmd: ['y'] } });
    expect(noDir.layers).toEqual(img.layers);
  });

  it('docker_version is the committing engine\'s, never the parent\'s (moby NewChildImage)', async () => {
    const base = await t.store.archives.import(Readable.from([Buffer.alloc(1024)]));
    await t.store.images.tag(base, 'versioned');
    const a = await t.store.committer.commit({ parent: base, config: { Cmd: ['a'] }, dockerVersion: '20.10.24+berth.test' });
    expect(a.config.docker_version).toBe('20.10.24+berth.test');
    const b = await t.store.committer.commit({ parent: a.id, config: { Cmd: ['b'] } });
    expect(b.config.docker_version).toBeUndefined();
  });
});
