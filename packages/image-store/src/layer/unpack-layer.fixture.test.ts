import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensureNativeBuilt, rmrf, tempDir } from './__fixtures__/helpers';
import { packDirectory } from './pack-directory';
import { unpackLayer } from './unpack-layer';

const FIXTURES = path.resolve(__dirname, '../../../..', 'test-e2e', 'fixtures') /* test-e2e/fixtures/README.md */;
const SAVE_TAR = path.join(FIXTURES, 'multilayer.docker-save.tar');

/** The rootfs listing (rootfs-listing.py) of a tar stream. */
async function listing(tar: NodeJS.ReadableStream): Promise<string> {
  const py = spawn('python3', [path.join(FIXTURES, 'rootfs-listing.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  py.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  py.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => py.on('close', resolve));
  await pipeline(tar, py.stdin);
  const code = await exited;
  if (code !== 0) throw new Error(`rootfs-listing.py failed (${code}): ${err}`);
  return out;
}

describe('unpackLayer + packDirectory against the docker-save fixture', () => {
  let work: string;
  beforeAll(() => {
    ensureNativeBuilt();
    work = tempDir('fixture');
    execFileSync('tar', ['-xf', SAVE_TAR, '-C', work]);
  });
  afterAll(() => rmrf(work));

  it('computes the diffIDs of the config and rebuilds the rootfs docker exports', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(work, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[];
    const config = JSON.parse(fs.readFileSync(path.join(work, manifest[0]!.Config), 'utf8')) as { rootfs: { diff_ids: string[] } };
    const layers = manifest[0]!.Layers;
    const dirs: string[] = [];
    const diffIds: string[] = [];
    for (let i = 0; i < layers.length; i++) {
      const d = path.join(work, `unpacked-${i}`);
      fs.mkdirSync(d);
      const r = await unpackLayer(fs.createReadStream(path.join(work, layers[i]!)), d);
      diffIds.push(r.diffId);
      dirs.push(d);
    }
    expect(diffIds).toEqual(config.rootfs.diff_ids);

    // the unpacked layers themselves: whiteout device, opaque dir, hardlink, setuid, fifo, long name
    const whiteout = fs.lstatSync(path.join(dirs[2]!, 'gone'));
    expect(whiteout.isCharacterDevice() && whiteout.rdev === 0).toBe(true);
    const hard = fs.lstatSync(path.join(dirs[1]!, 'hard'));
    expect(hard.ino).toBe(fs.lstatSync(path.join(dirs[1]!, 'a/b/f')).ino);
    expect(hard.mode & 0o7777).toBe(0o4755);
    expect(fs.lstatSync(path.join(dirs[1]!, 'fifo')).isFIFO()).toBe(true);
    expect(fs.readdirSync(path.join(dirs[2]!, 'keep')).some((n) => n.length === 150)).toBe(true);
    expect(fs.readlinkSync(path.join(dirs[1]!, 'link'))).toBe('/a/b/f');
    expect(fs.lstatSync(path.join(dirs[2]!, 'a/new')).uid).toBe(1000);

    // Docker's "-init" layer sits between the image and the container's upper dir: it brings the
    // runtime-injected paths, and with them `etc/` itself, which the expected listing keeps.
    const init = path.join(work, 'init');
    for (const d of ['dev', 'proc', 'sys', 'etc']) fs.mkdirSync(path.join(init, d), { recursive: true, mode: 0o755 });
    for (const f of ['.dockerenv', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf']) fs.writeFileSync(path.join(init, f), '');
    fs.symlinkSync('/proc/mounts', path.join(init, 'etc/mtab'));
    dirs.push(init);

    const target = path.join(work, 'merged');
    const upper = path.join(work, 'upper');
    const wk = path.join(work, 'work');
    for (const d of [target, upper, wk]) fs.mkdirSync(d);
    const lower = [...dirs].reverse().join(':');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${wk}`, target]);
    try {
      const got = await listing(packDirectory(target, { mode: 'rootfs' }));
      const want = fs.readFileSync(path.join(FIXTURES, 'multilayer.rootfs.tsv'), 'utf8');
      expect(got.split('\n')).toEqual(want.split('\n'));
    } finally {
      execFileSync('umount', [target]);
    }
  });
});

describe('unpackLayer on the gzip layers of the OCI archive fixture', () => {
  let work: string;
  beforeAll(() => {
    ensureNativeBuilt();
    work = tempDir('oci');
    execFileSync('tar', ['-xf', path.join(FIXTURES, 'multilayer.oci-archive.tar'), '-C', work]);
  });
  afterAll(() => rmrf(work));

  it('unpacks gzip layers and gets the same diffIDs', async () => {
    const blob = (d: string): string => path.join(work, 'blobs', 'sha256', d.slice('sha256:'.length));
    const index = JSON.parse(fs.readFileSync(path.join(work, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { config: { digest: string }; layers: { digest: string; mediaType: string }[] };
    const config = JSON.parse(fs.readFileSync(blob(manifest.config.digest), 'utf8')) as { rootfs: { diff_ids: string[] } };
    const diffIds: string[] = [];
    let entries = 0;
    for (const [i, l] of manifest.layers.entries()) {
      expect(l.mediaType).toMatch(/gzip$/);
      const d = path.join(work, `unpacked-${i}`);
      fs.mkdirSync(d);
      const r = await unpackLayer(fs.createReadStream(blob(l.digest)), d);
      diffIds.push(r.diffId);
      entries += r.entries;
    }
    expect(diffIds).toEqual(config.rootfs.diff_ids);
    expect(entries).toBeGreaterThan(30);
  });
});
