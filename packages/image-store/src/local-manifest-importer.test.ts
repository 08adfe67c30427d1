import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Digest } from '@berth/oci';
import { listTree, tempStore, type TempStore } from './test-support/temp-store';

const OCI_ARCHIVE = path.resolve(__dirname, '../../..', 'test-e2e', 'fixtures', 'multilayer.oci-archive.tar');
const MANIFEST = 'sha256:5e44e83db5cceb12cb8a5c73b5570dd578d0c9e0010a5fd467f733101d8c626f';
const CONFIG = 'sha256:33f4ecab3bb059e2fecaab5dee165eb47521430da95ee930ff104f59aee6c8dc';

describe('LocalManifestImporter (end of a pull)', () => {
  let t: TempStore;
  let blobs: string;
  beforeEach(async () => {
    t = await tempStore();
    const dir = path.join(t.dir, 'oci');
    await fs.mkdir(dir);
    execFileSync('tar', ['xf', OCI_ARCHIVE, '-C', dir]);
    blobs = path.join(dir, 'blobs/sha256');
  });
  afterEach(async () => {
    await t.close();
  });

  async function putAll(): Promise<Buffer> {
    for (const n of await fs.readdir(blobs)) await t.store.content.write(await fs.readFile(path.join(blobs, n)), { digest: `sha256:${n}` });
    return fs.readFile(path.join(blobs, MANIFEST.slice(7)));
  }

  it('unpacks the compressed layers, tags, records the repo digest; rmi removes every blob', async () => {
    const before = await listTree(t.root);
    const manifest = await putAll();
    const events: string[] = [];
    const img = await t.store.manifests.importManifest({ manifest, reference: '127.0.0.1:5000/fx:1', onLayer: (e) => events.push(e.status) });
    expect(img.id).toBe(CONFIG);
    expect(img.repoTags).toEqual(['127.0.0.1:5000/fx:1']);
    expect(img.repoDigests).toEqual([`127.0.0.1:5000/fx@${MANIFEST}`]);
    expect(events.filter((e) => e === 'done').length).toBe(5);
    // a second pull of the same image finds the layers
    events.length = 0;
    await t.store.manifests.importManifest({ manifest, reference: '127.0.0.1:5000/fx:2' });
    expect((await t.store.images.resolve('127.0.0.1:5000/fx:2'))).toBe(CONFIG);
    await t.store.images.delete('127.0.0.1:5000/fx:2');
    const res = await t.store.images.delete('127.0.0.1:5000/fx:1');
    expect(res.slice(0, 3)).toEqual([{ kind: 'untagged', reference: '127.0.0.1:5000/fx:1' }, { kind: 'untagged', reference: `127.0.0.1:5000/fx@${MANIFEST}` }, { kind: 'deleted', id: CONFIG }]);
    expect(await listTree(t.root)).toEqual(before);
  });

  it('a layer that does not hash to its diffID: DataLossError, nothing added', async () => {
    const manifest = JSON.parse((await putAll()).toString()) as { layers: { digest: string; size: number }[] };
    [manifest.layers[0], manifest.layers[1]] = [manifest.layers[1]!, manifest.layers[0]!];
    const bad = Buffer.from(JSON.stringify(manifest));
    const layersBefore = await t.store.layers.list();
    await expect(t.store.manifests.importManifest({ manifest: bad, reference: 'x' })).rejects.toMatchObject({ code: 'DATA_LOSS' });
    expect(await t.store.layers.list()).toEqual(layersBefore);
    expect(await t.store.images.list({ all: true })).toEqual([]);
    void (null as unknown as Digest);
  });
});
