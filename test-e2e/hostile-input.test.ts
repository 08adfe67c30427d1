/**
 * Hostile input gets a clear error and leaves nothing behind:
 * - layer tars with `../` paths and absolute paths (confined to the layer root, as Docker's untar
 *   chrooted into the layer does), writes through a symlink that points outside,
 *   hardlinks to outside paths, truncated or corrupt gzip, a diffID or blob digest that does not
 *   match, a config or manifest that is not JSON, an archive that is not a tar — through
 *   `docker load`, `berth load`, `docker import` and `berth import`;
 * - malformed API bodies and parameters (400, never 500);
 * - names that are not valid references (400).
 * "Nothing left behind" is checked by listing every entry of the data root before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  BerthDaemon,
  busyboxRootfsTar,
  clientsFor,
  errorMessage,
  ExecResult,
  makeDockerSaveArchive,
  makeTar,
  rawRequest,
  RawResponse,
  sha256Hex,
  TarEntry,
  expectExit,
  ok,
} from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;
/** A host directory hostile tars aim at: it must stay empty. */
let target: string;
let runningId: string;

const up = '../'.repeat(24);

/** A failure the way the CLI reports a daemon error: exit 1, a message naming the problem, no stack trace. */
function clearError(r: ExecResult, names?: RegExp): void {
  expectExit(r, 1);
  expect(r.stderr.trim().length).toBeGreaterThan(0);
  expect(r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no JS stack trace
  // refused by the daemon, not by the client's argument parsing
  expect(r.stderr).not.toMatch(/usage|--help|unknown (command|flag)|requires .*argument/i);
  if (names) expect(r.stderr).toMatch(names);
}

/**
 * Every entry under the data root except the database files (changed in place) and the running
 * container's own directories (containers/, runtime/), which hostile image input never touches.
 */
function snapshot(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const rel = path.relative(d.dataRoot, p);
      if (/^berth\.db(-wal|-shm|-journal)?$/.test(rel) || rel === 'containers' || rel === 'runtime') continue;
      if (e.isDirectory() && !e.isSymbolicLink()) {
        out.push(`${rel}/`);
        walk(p);
      } else out.push(rel);
    }
  };
  walk(d.dataRoot);
  return out.sort();
}

async function images(): Promise<string> {
  return ok(await c.docker(['images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'])).stdout;
}

const passwdLinks = () => fs.statSync('/etc/passwd').nlink;

/** Runs `load` of `archive` through docker and through berth, expecting a clear error and no trace. */
async function expectRejectedLoad(archive: Buffer, name: string, names?: RegExp): Promise<void> {
  const file = path.join(work, `${name}.tar`);
  fs.writeFileSync(file, archive);
  const before = snapshot();
  const imagesBefore = await images();
  const links = passwdLinks();
  clearError(await c.docker(['load', '-i', file]), names);
  clearError(await c.berth(['load', '-i', file]), names);
  expect(snapshot()).toEqual(before);
  expect(await images()).toBe(imagesBefore);
  expect(fs.readdirSync(target)).toEqual([]);
  expect(passwdLinks()).toBe(links);
  expect(await d.ping()).toBe(true);
}

/** The same for `import` of a rootfs tarball. */
async function expectRejectedImport(tar: Buffer, name: string, names?: RegExp): Promise<void> {
  const file = path.join(work, `${name}.rootfs.tar`);
  fs.writeFileSync(file, tar);
  const before = snapshot();
  const imagesBefore = await images();
  const links = passwdLinks();
  clearError(await c.docker(['import', file, `hostile-${name}:v1`]), names);
  clearError(await c.berth(['import', '-', `hostile-${name}:v2`], { input: tar }), names);
  expect(snapshot()).toEqual(before);
  expect(await images()).toBe(imagesBefore);
  expect(fs.readdirSync(target)).toEqual([]);
  expect(passwdLinks()).toBe(links);
  expect(await d.ping()).toBe(true);
}

const fine: TarEntry[] = [
  { name: 'ok/', type: 'dir' },
  { name: 'ok/file.txt', content: 'fine\n' },
];

/** Hostile layer contents aimed at `target`, an absolute host path. */
const hostileLayers = (target: string): Record<string, TarEntry[]> => ({
  'write through an absolute symlink': [
    ...fine,
    { name: 'link', type: 'symlink', linkname: target },
    { name: 'link/through.txt', content: 'escaped\n' },
  ],
  'write through a relative symlink': [
    ...fine,
    { name: 'ok/rel', type: 'symlink', linkname: `../${up}${target.slice(1)}` },
    { name: 'ok/rel/through.txt', content: 'escaped\n' },
  ],
  'hardlink to an outside path': [...fine, { name: 'hl', type: 'hardlink', linkname: `${up}etc/passwd` }],
  'hardlink through a symlink': [
    ...fine,
    { name: 'etcdir', type: 'symlink', linkname: '/etc' },
    { name: 'hl2', type: 'hardlink', linkname: 'etcdir/passwd' },
  ],
});

/** What the error for each hostile layer must talk about. */
const problemNamed: Record<string, RegExp> = {
  'write through an absolute symlink': /symlink|escape|outside/i,
  'write through a relative symlink': /symlink|escape|outside/i,
  'hardlink to an outside path': /link|escape|outside/i,
  'hardlink through a symlink': /link|escape|outside/i,
};
const GZIP = /gzip|zlib|truncat|unexpected end|EOF|incomplete|premature|crc|check|corrupt|invalid|incorrect/i;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-hostile-'));
  target = path.join(work, 'target');
  fs.mkdirSync(target);
  d = await BerthDaemon.start();
  c = clientsFor(d);
  ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:latest']));
  runningId = ok(await c.docker(['run', '-d', 'busybox', 'sleep', '300'])).stdout.trim();
}, 120_000);

afterAll(async () => {
  try {
    await d?.dispose();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 120_000);

describe('hostile layer tars in docker load / berth load', () => {
  it.each(Object.keys(hostileLayers('/placeholder')))('%s: refused, nothing written outside or left behind', async (name) => {
    const layer = makeTar(hostileLayers(target)[name]);
    await expectRejectedLoad(makeDockerSaveArchive({ layers: [layer], repoTag: 'hostile:v1' }), name.replace(/ /g, '-'), problemNamed[name]);
  });

  // Docker applies a layer with pkg/archive's Unpack chrooted into it (extractDir `/`): `..` stops at the layer's root
  it.each([
    ['absolute path', (t: string) => `${t}/absolute.txt`],
    ['dotdot path', (t: string) => `${up}${t.slice(1)}/absolute.txt`],
    ['dotdot inside a path', (t: string) => `ok/../../${up}${t.slice(1)}/absolute.txt`],
  ])('%s: never lands on the host, confined to the layer\'s root as Docker does', async (_, name) => {
    const layer = makeTar([...fine, { name: name(target), content: 'escaped\n' }]);
    const file = path.join(work, 'absolute.tar');
    fs.writeFileSync(file, makeDockerSaveArchive({ layers: [layer], repoTag: 'hostile-absolute:v1' }));
    const before = snapshot();
    ok(await c.docker(['load', '-i', file]));
    expect(fs.readdirSync(target)).toEqual([]);
    // confined: the file is inside the image, under the host path's name taken from the layer's root
    const cid = ok(await c.docker(['create', 'hostile-absolute:v1', 'true'])).stdout.trim();
    const exported = ok(await c.docker(['export', cid])).stdoutBuffer;
    ok(await c.docker(['rm', cid]));
    expect(exported.includes(Buffer.from(`${target.slice(1)}/absolute.txt`))).toBe(true);
    ok(await c.docker(['rmi', 'hostile-absolute:v1']));
    expect(snapshot()).toEqual(before);
  });

  it('truncated gzip layer', async () => {
    const gz = zlib.gzipSync(makeTar([...fine, { name: 'big.bin', content: Buffer.alloc(200_000, 7) }]));
    const cut = gz.subarray(0, Math.floor(gz.length / 2));
    await expectRejectedLoad(
      makeDockerSaveArchive({ layers: [cut], diffIds: [`sha256:${sha256Hex(zlib.gunzipSync(gz))}`], repoTag: 'hostile:gz' }),
      'truncated-gzip',
      GZIP,
    );
  });

  it('corrupt gzip layer (bad CRC / bad deflate data)', async () => {
    const tar = makeTar([...fine, { name: 'rand.bin', content: Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251)) }]);
    const gz = Buffer.from(zlib.gzipSync(tar));
    for (let i = 100; i < gz.length - 100; i += 97) gz[i] ^= 0x5a;
    await expectRejectedLoad(
      makeDockerSaveArchive({ layers: [gz], diffIds: [`sha256:${sha256Hex(tar)}`], repoTag: 'hostile:gz2' }),
      'corrupt-gzip',
      GZIP,
    );
    const badTrailer = Buffer.from(zlib.gzipSync(tar));
    badTrailer.writeUInt32LE((badTrailer.readUInt32LE(badTrailer.length - 8) + 1) >>> 0, badTrailer.length - 8);
    await expectRejectedLoad(
      makeDockerSaveArchive({ layers: [badTrailer], diffIds: [`sha256:${sha256Hex(tar)}`], repoTag: 'hostile:gz3' }),
      'bad-crc',
      GZIP,
    );
  });

  it('a diffID that does not match the layer', async () => {
    const layer = makeTar(fine);
    await expectRejectedLoad(
      makeDockerSaveArchive({ layers: [layer], diffIds: [`sha256:${'0'.repeat(64)}`], repoTag: 'hostile:digest' }),
      'diffid-mismatch',
      /digest|hash|diff/i,
    );
  });

  it('a config that is not JSON', async () => {
    await expectRejectedLoad(
      makeDockerSaveArchive({ layers: [makeTar(fine)], rawConfig: '{"rootfs": not json', repoTag: 'hostile:config' }),
      'config-not-json',
      /json/i,
    );
  });

  it('a manifest.json that is not JSON, or names a missing layer', async () => {
    await expectRejectedLoad(makeDockerSaveArchive({ layers: [makeTar(fine)], rawManifest: '[{' }), 'manifest-not-json', /json|manifest/i);
    await expectRejectedLoad(
      makeDockerSaveArchive({
        layers: [makeTar(fine)],
        rawManifest: JSON.stringify([{ Config: 'missing.json', RepoTags: ['hostile:m'], Layers: ['nope/layer.tar'] }]),
      }),
      'manifest-missing-files',
    );
  });

  it('an archive that is not a tar, and a truncated archive', async () => {
    await expectRejectedLoad(Buffer.from('this is not a tar archive\n'.repeat(100)), 'garbage', /tar|archive|header/i);
    const good = makeDockerSaveArchive({ layers: [makeTar([...fine, { name: 'pad', content: Buffer.alloc(100_000, 1) }])], repoTag: 'hostile:cut' });
    await expectRejectedLoad(good.subarray(0, Math.floor(good.length * 0.6)), 'truncated-archive');
  });

  it('an OCI archive whose blob does not match its digest', async () => {
    const layer = makeTar(fine);
    const tampered = makeTar([...fine, { name: 'ok/extra.txt', content: 'sneaked in\n' }]);
    const diffId = `sha256:${sha256Hex(layer)}`;
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256Hex(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: tampered.length }],
    });
    const index = JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${sha256Hex(manifest)}`,
          size: manifest.length,
          annotations: { 'io.containerd.image.name': 'docker.io/library/hostile:oci', 'org.opencontainers.image.ref.name': 'oci' },
        },
      ],
    });
    const archive = makeTar([
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', content: index },
      { name: 'blobs/', type: 'dir' },
      { name: 'blobs/sha256/', type: 'dir' },
      { name: `blobs/sha256/${sha256Hex(config)}`, content: config },
      { name: `blobs/sha256/${sha256Hex(manifest)}`, content: manifest },
      // stored under the digest of `layer`, but holding `tampered`
      { name: `blobs/sha256/${diffId.slice(7)}`, content: tampered },
    ]);
    await expectRejectedLoad(archive, 'oci-blob-mismatch', /digest|hash|mismatch/i);
  });
});

describe('hostile rootfs tars in docker import / berth import', () => {
  it.each(['write through an absolute symlink', 'write through a relative symlink', 'hardlink to an outside path', 'hardlink through a symlink'])(
    '%s: refused, nothing left behind',
    async (name) => {
      await expectRejectedImport(makeTar(hostileLayers(target)[name]), `import-${name.replace(/ /g, '-')}`, problemNamed[name]);
    },
  );

  it('dotdot path: never lands on the host, confined to the layer\'s root as Docker does', async () => {
    const file = path.join(work, 'import-dotdot.rootfs.tar');
    fs.writeFileSync(file, makeTar([...fine, { name: `${up}${target.slice(1)}/dotdot.txt`, content: 'escaped\n' }]));
    ok(await c.docker(['import', file, 'hostile-dotdot:v1']));
    expect(fs.readdirSync(target)).toEqual([]);
    const cid = ok(await c.docker(['create', 'hostile-dotdot:v1', 'true'])).stdout.trim();
    const exported = ok(await c.docker(['export', cid])).stdoutBuffer;
    ok(await c.docker(['rm', cid]));
    ok(await c.docker(['rmi', 'hostile-dotdot:v1']));
    expect(exported.includes(Buffer.from(`${target.slice(1)}/dotdot.txt`))).toBe(true);
  });

  it('truncated and corrupt gzip', async () => {
    const gz = zlib.gzipSync(makeTar([...fine, { name: 'big.bin', content: Buffer.alloc(200_000, 3) }]));
    await expectRejectedImport(gz.subarray(0, Math.floor(gz.length / 2)), 'import-truncated-gzip', GZIP);
    const bad = Buffer.from(gz);
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 8) + 1) >>> 0, bad.length - 8);
    await expectRejectedImport(bad, 'import-bad-crc', GZIP);
  });

  it('not a tar', async () => {
    await expectRejectedImport(Buffer.from('definitely not a tar\n'.repeat(200)), 'import-garbage', /tar|archive|header/i);
  });
});

describe('malformed API requests: 400, never 500', () => {
  const json = { 'Content-Type': 'application/json' };

  async function expect400(method: string, p: string, body?: string, headers: Record<string, string> = json): Promise<RawResponse> {
    const r = await rawRequest(d.socketPath, { method, path: p, body, headers });
    expect({ request: `${method} ${p} ${body ?? ''}`, status: r.status }).toEqual({ request: `${method} ${p} ${body ?? ''}`, status: 400 });
    expect(errorMessage(r)).toEqual(expect.any(String));
    expect(String(r.headers['content-type'])).toMatch(/application\/json/);
    return r;
  }

  it('container create with a body that is not JSON, or of the wrong shape', async () => {
    for (const body of ['{not json', '[]', '"a string"', '42', 'null', '{"Image": 42}', '{"Image":"busybox","Env":"A=1"}',
      '{"Image":"busybox","Cmd":{"a":1}}', '{"Image":"busybox","HostConfig":"x"}', '{"Image":"busybox","Labels":["a"]}', '{}']) {
      await expect400('POST', '/v1.41/containers/create', body);
    }
  });

  it('bad query parameters', async () => {
    await expect400('GET', '/v1.41/containers/json?filters=not-json');
    await expect400('GET', `/v1.41/containers/json?filters=${encodeURIComponent('{"nope":{"x":true}}')}`);
    await expect400('GET', `/v1.41/containers/json?filters=${encodeURIComponent('{"status":{"sleepy":true}}')}`);
    await expect400('GET', '/v1.41/images/json?filters=%7B');
    await expect400('GET', `/v1.41/images/json?filters=${encodeURIComponent('{"dangling":{"maybe":true}}')}`);
    await expect400('POST', `/v1.41/containers/${runningId}/kill?signal=NOPE`);
    await expect400('POST', `/v1.41/containers/${runningId}/stop?t=soon`);
    await expect400('POST', `/v1.41/containers/${runningId}/wait?condition=whenever`);
    await expect400('POST', `/v1.41/containers/prune?filters=${encodeURIComponent('{"until":{"yesterday-ish":true}}')}`);
  });

  it('the daemon is unharmed: the running container still runs', async () => {
    const s = await rawRequest(d.socketPath, { path: `/v1.41/containers/${runningId}/json` });
    expect((s.json as { State: { Running: boolean } }).State.Running).toBe(true);
  });
});

describe('names that are not valid references: 400', () => {
  const smallTar = () => fs.readFileSync(busyboxRootfsTar());

  it('tag', async () => {
    for (const q of ['repo=UPPER&tag=v1', 'repo=a%20b&tag=v1', 'repo=ok&tag=bad%3Atag', 'repo=a%2F%2Fb&tag=v1', 'repo=ok&tag=-lead',
      `repo=ok&tag=${'t'.repeat(200)}`, 'repo=%21bang&tag=v1']) {
      const r = await rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/images/busybox/tag?${q}` });
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
    }
    const cli = await c.berth(['tag', 'busybox', 'Not A Name']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/invalid reference format/i);
    const dockerCli = await c.docker(['tag', 'busybox', 'UPPER:v1']);
    expect(dockerCli.code).toBe(1);
    expect(dockerCli.stderr).toMatch(/invalid reference format/i);
  });

  it('import and create', async () => {
    const before = snapshot();
    const r = await rawRequest(d.socketPath, {
      method: 'POST',
      path: '/v1.41/images/create?fromSrc=-&repo=Bad%20Name%3Av1',
      body: smallTar(),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(r.status).toBe(400);
    expect(snapshot()).toEqual(before);
    const create = await rawRequest(d.socketPath, {
      method: 'POST',
      path: '/v1.41/containers/create',
      body: JSON.stringify({ Image: 'Bad Image!!' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(create.status).toBe(400);
  });

  it('container names', async () => {
    for (const name of ['has/slash', '-lead', 'sp ace', '.dot', 'x!']) {
      const r = await rawRequest(d.socketPath, {
        method: 'POST',
        path: `/v1.41/containers/create?name=${encodeURIComponent(name)}`,
        body: JSON.stringify({ Image: 'busybox', Cmd: ['true'] }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
    }
    const rename = await rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/containers/${runningId}/rename?name=bad%2Fname` });
    expect(rename.status).toBe(400);
  });

  it('after all of it the daemon runs containers as before', async () => {
    expect(ok(await c.docker(['run', '--rm', 'busybox', 'echo', 'still fine'])).stdout).toBe('still fine\n');
  });
});
