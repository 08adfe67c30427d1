import { createReadStream, promises as fs } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as tar from 'tar-stream';
import { sha256Digest } from '@berth/oci';
import { listTree, tempStore, type TempStore } from './test-support/temp-store';

const FIXTURES = path.resolve(__dirname, '../../..', 'test-e2e', 'fixtures'); // test-e2e/fixtures/README.md
const DOCKER_SAVE = path.join(FIXTURES, 'multilayer.docker-save.tar');
const OCI_ARCHIVE = path.join(FIXTURES, 'multilayer.oci-archive.tar');
const DOCKER_ID = 'sha256:5ff28e953cf854ac9058896f648c5657205ffeb74bd34cf4fe82fe07c703d863';
const DIFF_IDS = [
  'sha256:78eb80b7795bae19ea0585cda9825228eef99f3f08f6e971a6c26d958831f55e',
  'sha256:ff28a2fe4dd4b8f8eedc29b3ced3573bc7287d37935eef7c5c7018751c76416a',
  'sha256:6003fa5a168bc1f3163d5165dd1baff858f91f2fe50aa7a3839f0c06479244b0',
  'sha256:cab6acbf1d71e3be00d5654199c476e7c7546f03f580b6248ea2e15ea51d1903',
  'sha256:fe98b9c987d5ae6cb2cb72edb546831bbff66c9e17c9427a5dc9149602bf41cf',
];

/** Builds a tar in memory from [name, content] pairs (strings or buffers). */
async function makeTar(entries: ([string, string | Buffer] | (Partial<tar.Header> & { name: string }))[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (!Array.isArray(e)) pack.entry(e);
    else pack.entry({ name: e[0] }, typeof e[1] === 'string' ? Buffer.from(e[1]) : e[1]);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function toBuffer(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('TarImageArchiver', () => {
  let t: TempStore;
  beforeEach(async () => {
    t = await tempStore();
  });
  afterEach(async () => {
    await t.close();
  });

  it('loads a docker save archive: image ID is the config digest, tags, layers, history', async () => {
    const loaded = await t.store.archives.load(createReadStream(DOCKER_SAVE));
    expect(loaded).toEqual([{ reference: 'fixture-multilayer:1', imageId: DOCKER_ID }]);
    const img = await t.store.images.get('fixture-multilayer:1');
    expect(img.layers).toEqual(DIFF_IDS);
    expect(img.repoTags).toEqual(['fixture-multilayer:1']);
    expect(img.config.config?.Cmd).toEqual(['cat', '/srv/greeting.txt']);
    expect(img.size).toBeGreaterThan(1_900_000);
    for (const d of DIFF_IDS) {
      expect(await t.store.layers.has(d as `${string}:${string}`)).toBe(true);
      expect(await t.store.content.has(d as `${string}:${string}`)).toBe(true);
    }
    expect(await fs.readFile(path.join(t.store.layers.diffDir(DIFF_IDS[3] as `${string}:${string}`), 'srv/greeting.txt'), 'utf8')).toBe('hello\n');
    const h = await t.store.images.history(DOCKER_ID);
    expect(h.length).toBe(9);
    expect(h[0]!.id).toBe(DOCKER_ID);
    expect(h[8]!.comment).toBe('Imported from -');
    expect(h[8]!.size).toBeGreaterThan(1_900_000);
    expect(h.slice(1).every((x) => x.id === '<missing>')).toBe(true);
    // nothing staged is left
    expect((await fs.readdir(path.join(t.root, 'tmp'))).length).toBe(0);
    expect((await fs.readdir(path.join(t.root, 'layers'))).filter((n) => n.startsWith('.staging'))).toEqual([]);
  });

  it('loads the OCI archive of the same image: same layers (skopeo rewrote the config, so its ID differs)', async () => {
    const a = await t.store.archives.load(createReadStream(DOCKER_SAVE));
    const b = await t.store.archives.load(createReadStream(OCI_ARCHIVE));
    expect(b.length).toBe(1);
    expect(b[0]!.imageId).toBe('sha256:33f4ecab3bb059e2fecaab5dee165eb47521430da95ee930ff104f59aee6c8dc');
    const img = await t.store.images.get(b[0]!.imageId);
    expect(img.layers).toEqual(DIFF_IDS);
    expect((await t.store.layers.list()).length).toBe(5); // shared, unpacked once
    void a;
  });

  it('loads an OCI layout whose index nests a platform index, and takes the name from annotations', async () => {
    const dir = path.join(t.dir, 'oci-nested');
    await fs.mkdir(dir);
    execFileSync('tar', ['xf', OCI_ARCHIVE, '-C', dir]);
    const top = JSON.parse(await fs.readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: object[] };
    const nested = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'e'.repeat(64)}`, size: 10, platform: { os: 'linux', architecture: 'arm64' } },
          { ...top.manifests[0]!, platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
    );
    const nd = sha256Digest(nested);
    await fs.writeFile(path.join(dir, 'blobs/sha256', nd.slice(7)), nested);
    await fs.writeFile(
      path.join(dir, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: nd, size: nested.length, annotations: { 'io.containerd.image.name': 'example.com/x:1', 'org.opencontainers.image.ref.name': '1' } }] }),
    );
    const file = path.join(t.dir, 'nested.tar');
    execFileSync('tar', ['cf', file, '-C', dir, '.']);
    const loaded = await t.store.archives.load(createReadStream(file));
    expect(loaded).toEqual([{ reference: 'example.com/x:1', imageId: 'sha256:33f4ecab3bb059e2fecaab5dee165eb47521430da95ee930ff104f59aee6c8dc' }]);
  });

  it('loads a docker save archive with gzip-compressed layer.tar files, in any entry order', async () => {
    const dir = path.join(t.dir, 'ds');
    await fs.mkdir(dir);
    execFileSync('tar', ['xf', DOCKER_SAVE, '-C', dir]);
    execFileSync('gzip', ['-n', path.join(dir, '7a61b5de22e66dcf0a0998143c43be1e5eaf28021cb3f14d424442fa04626f7a/layer.tar')]);
    await fs.rename(path.join(dir, '7a61b5de22e66dcf0a0998143c43be1e5eaf28021cb3f14d424442fa04626f7a/layer.tar.gz'), path.join(dir, '7a61b5de22e66dcf0a0998143c43be1e5eaf28021cb3f14d424442fa04626f7a/layer.tar'));
    const file = path.join(t.dir, 'gz.tar');
    execFileSync('tar', ['cf', file, '-C', dir, 'manifest.json', 'repositories', '.']);
    const loaded = await t.store.archives.load(createReadStream(file));
    expect(loaded.map((l) => l.imageId)).toEqual([DOCKER_ID]);
    // the content store keeps the uncompressed tar, so save still reproduces the diffID
    const saved = await toBuffer(await t.store.archives.save([DOCKER_ID]));
    expect(saved.includes(Buffer.from(`blobs/sha256/${DIFF_IDS[0]!.slice(7)}`))).toBe(true);
    expect(await t.store.content.info(DIFF_IDS[0] as `${string}:${string}`)).toMatchObject({ size: 1996800 });
  });

  it('save -> load round trip keeps the image ID; skopeo reads it as docker-archive and oci-archive', async () => {
    await t.store.archives.load(createReadStream(DOCKER_SAVE));
    const out = path.join(t.dir, 'saved.tar');
    await pipeline(await t.store.archives.save(['fixture-multilayer:1']), (await fs.open(out, 'w')).createWriteStream());
    const listing = execFileSync('tar', ['tf', out], { encoding: 'utf8' }).split('\n');
    expect(listing).toEqual(expect.arrayContaining(['manifest.json', 'index.json', 'oci-layout', 'repositories', `blobs/sha256/${DOCKER_ID.slice(7)}`, `${DOCKER_ID.slice(7)}.json`]));
    const skopeo = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${out}`], { encoding: 'utf8' })) as { Layers: string[]; Digest?: string };
    expect(skopeo.Layers).toEqual(DIFF_IDS);
    const oci = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${out}`], { encoding: 'utf8' })) as { Layers: string[] };
    expect(oci.Layers).toEqual(DIFF_IDS);
    const cfg = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `docker-archive:${out}`], { encoding: 'utf8' })) as object;
    expect(cfg).toBeDefined();

    const t2 = await tempStore();
    try {
      const loaded = await t2.store.archives.load(createReadStream(out));
      expect(loaded).toEqual([{ reference: 'fixture-multilayer:1', imageId: DOCKER_ID }]);
      expect((await t2.store.images.get(DOCKER_ID)).layers).toEqual(DIFF_IDS);
    } finally {
      await t2.close();
    }
  });

  it('save: a reader that goes away stops the writer', async () => {
    await t.store.archives.load(createReadStream(DOCKER_SAVE));
    const out = await t.store.archives.save(['fixture-multilayer:1']);
    await new Promise<void>((resolve) => out.once('readable', () => resolve()));
    out.read(1000);
    out.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(out.destroyed).toBe(true);
    // the store is still usable
    const again = await toBuffer(await t.store.archives.save(['fixture-multilayer:1']));
    expect(again.length).toBeGreaterThan(2_000_000);
  });

  it('import: one layer image, gzip accepted, history "Imported from -", changes applied', async () => {
    const rootfs = await makeTar([
      ['bin/hello', 'hi\n'],
      ['etc/os-release', 'berth\n'],
    ]);
    const gz = await toBuffer(Readable.from([rootfs]).pipe(createGzip()));
    const id = await t.store.archives.import(Readable.from([gz]), { changes: { Cmd: ['sh'], Env: ['IMPORTED=1'] } });
    await t.store.images.tag(id, 'imported:v1');
    const img = await t.store.images.get('imported:v1');
    expect(img.id).toBe(id);
    expect(img.layers).toEqual([sha256Digest(rootfs)]);
    expect(img.config.config?.Cmd).toEqual(['sh']);
    expect(img.config.history).toEqual([{ created: img.config.created, comment: 'Imported from -' }]);
    expect(img.size).toBe(9);
    const id2 = await t.store.archives.import(Readable.from([rootfs]), { message: 'trace import' });
    expect((await t.store.images.get(id2)).config.comment).toBe('trace import');
    expect((await t.store.layers.list()).length).toBe(1);
  });

  it('import of a bad tar: clear error, nothing left, the caller\'s input drained but not destroyed', async () => {
    const before = await listTree(t.root);
    const chunks = [Buffer.alloc(4096, 'x'), Buffer.alloc(1 << 20, 'y'), Buffer.alloc(1 << 20, 'z')];
    const input = new Readable({ read() { this.push(chunks.shift() ?? null); }, autoDestroy: false });
    let ended = false;
    input.on('end', () => (ended = true));
    const err = await t.store.archives.import(input, {}).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/INVALID_ARGUMENT|DATA_LOSS/) });
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(true);
    expect(input.destroyed).toBe(false);
    expect(await listTree(t.root)).toEqual(before);
    // a write through a symlink to / (a `../../x` name is no longer refused: it stays at the layer's root, as in Docker's chrooted untar)
    const evil = await makeTar([{ name: 'evil', type: 'symlink', linkname: '/' }, ['evil/x', 'x']]);
    await expect(t.store.archives.import(Readable.from([evil]))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await listTree(t.root)).toEqual(before);
    expect(await t.db.all('SELECT * FROM images')).toEqual([]);
  });

  it('rmi of a loaded image removes its layers (rows, dirs, links) and blobs', async () => {
    const before = await listTree(t.root);
    await t.store.archives.load(createReadStream(DOCKER_SAVE));
    await t.store.images.tag('fixture-multilayer:1', 'other:2');
    expect(await t.store.images.delete('fixture-multilayer:1')).toEqual([{ kind: 'untagged', reference: 'fixture-multilayer:1' }]);
    const res = await t.store.images.delete('other:2');
    expect(res.slice(0, 2)).toEqual([{ kind: 'untagged', reference: 'other:2' }, { kind: 'deleted', id: DOCKER_ID }]);
    expect(res.length).toBe(2 + 5); // and the five layers, by chain ID, top first
    expect(res[2]).toEqual({ kind: 'deleted', id: expect.stringMatching(/^sha256:/) });
    expect(res[6]).toEqual({ kind: 'deleted', id: DIFF_IDS[0] }); // the bottom layer's chain ID is its diff ID
    expect(await listTree(t.root)).toEqual(before);
    expect(await t.db.all('SELECT * FROM layers')).toEqual([]);
  });

  it('load again moves the tag and says which image had it', async () => {
    const img = await t.store.images.create({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, { references: ['fixture-multilayer:1'] });
    const loaded = await t.store.archives.load(createReadStream(DOCKER_SAVE));
    expect(loaded).toEqual([{ reference: 'fixture-multilayer:1', imageId: DOCKER_ID, replaced: img.id }]);
    expect((await t.store.images.get(img.id)).repoTags).toEqual([]);
  });

  describe('hostile archives leave nothing behind', () => {
    async function expectNothingLeft(input: Buffer | Readable, code: string): Promise<void> {
      const before = await listTree(t.root);
      const rows = await t.db.all('SELECT * FROM images');
      const err = await t.store.archives.load(Buffer.isBuffer(input) ? Readable.from([input]) : input).then(() => undefined, (e: unknown) => e);
      if (process.env.SHOW_ERRORS) console.log(err);
      expect(err).toMatchObject({ code });
      expect(await listTree(t.root)).toEqual(before);
      expect(await t.db.all('SELECT * FROM images')).toEqual(rows);
      expect(await t.db.all('SELECT * FROM layers')).toEqual([]);
    }
    const layerTar = (): Promise<Buffer> => makeTar([['f', 'x']]);

    it('not a tar', async () => {
      await expectNothingLeft(Buffer.from('this is not a tar file at all, not even close'.repeat(20)), 'INVALID_ARGUMENT');
    });
    it('empty input', async () => {
      await expectNothingLeft(Buffer.alloc(0), 'INVALID_ARGUMENT');
    });
    it('truncated docker save', async () => {
      const whole = await fs.readFile(DOCKER_SAVE);
      await expectNothingLeft(whole.subarray(0, 1_000_000), 'DATA_LOSS');
    });
    it('config that is not JSON', async () => {
      const layer = await layerTar();
      const cfg = Buffer.from('{not json');
      const hex = sha256Digest(cfg).slice(7);
      await expectNothingLeft(
        await makeTar([
          ['l1/layer.tar', layer],
          [`${hex}.json`, cfg],
          ['manifest.json', JSON.stringify([{ Config: `${hex}.json`, RepoTags: ['x:1'], Layers: ['l1/layer.tar'] }])],
        ]),
        'INVALID_ARGUMENT',
      );
    });
    it('missing layer blob', async () => {
      const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] } }));
      const hex = sha256Digest(cfg).slice(7);
      await expectNothingLeft(
        await makeTar([
          [`${hex}.json`, cfg],
          ['manifest.json', JSON.stringify([{ Config: `${hex}.json`, RepoTags: ['x:1'], Layers: ['l1/layer.tar'] }])],
        ]),
        'INVALID_ARGUMENT',
      );
    });
    it('diffID mismatch', async () => {
      const layer = await layerTar();
      const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'b'.repeat(64)}`] } }));
      const hex = sha256Digest(cfg).slice(7);
      await expectNothingLeft(
        await makeTar([
          ['l1/layer.tar', layer],
          [`${hex}.json`, cfg],
          ['manifest.json', JSON.stringify([{ Config: `${hex}.json`, RepoTags: ['x:1'], Layers: ['l1/layer.tar'] }])],
        ]),
        'DATA_LOSS',
      );
    });
    it('config name does not match its content', async () => {
      const layer = await layerTar();
      const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] } }));
      const hex = 'c'.repeat(64);
      await expectNothingLeft(
        await makeTar([
          ['l1/layer.tar', layer],
          [`${hex}.json`, cfg],
          ['manifest.json', JSON.stringify([{ Config: `${hex}.json`, RepoTags: ['x:1'], Layers: ['l1/layer.tar'] }])],
        ]),
        'DATA_LOSS',
      );
    });
    it('OCI blob whose content does not match its digest', async () => {
      const dir = path.join(t.dir, 'oci');
      await fs.mkdir(dir);
      execFileSync('tar', ['xf', OCI_ARCHIVE, '-C', dir]);
      // corrupt the config blob
      const cfgPath = path.join(dir, 'blobs/sha256/33f4ecab3bb059e2fecaab5dee165eb47521430da95ee930ff104f59aee6c8dc');
      const cfg = await fs.readFile(cfgPath, 'utf8');
      await fs.writeFile(cfgPath, cfg.replace('FOO=bar', 'FOO=baz'));
      const bad = path.join(t.dir, 'bad.tar');
      execFileSync('tar', ['cf', bad, '-C', dir, '.']);
      await expectNothingLeft(await fs.readFile(bad), 'DATA_LOSS');
    });
    it('a layer that escapes its directory', async () => {
      const evil = await makeTar([{ name: 'evil', type: 'symlink', linkname: '/' }, ['evil/x', 'x']]);
      const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(evil)] } }));
      const hex = sha256Digest(cfg).slice(7);
      await expectNothingLeft(
        await makeTar([
          ['l1/layer.tar', evil],
          [`${hex}.json`, cfg],
          ['manifest.json', JSON.stringify([{ Config: `${hex}.json`, Layers: ['l1/layer.tar'] }])],
        ]),
        'INVALID_ARGUMENT',
      );
    });
  });
});
