import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Index, MediaType, sha256Digest } from '@berth/oci';
import { RegistryClient, type ProgressEvent, staticCredentials } from '@berth/registry-client';
import { DirBlobSink, mapSource } from './__fixtures__/dir-blob-sink';
import { freePort } from './__fixtures__/docker-registry';
import { FaultyProxy } from './__fixtures__/faulty-proxy';
import { buildTestImage } from './__fixtures__/test-image';
import { RegistryServer } from './registry-server';

const fast = { sleep: async () => undefined, baseDelayMs: 1 };

let tmp: string;
let server: RegistryServer;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-client-'));
  server = await RegistryServer.start({ dataRoot: path.join(tmp, 'open'), addr: '127.0.0.1:0' });
});

afterAll(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function sink(name: string): Promise<DirBlobSink> {
  return new DirBlobSink(path.join(tmp, `sink-${name}-${Math.random().toString(36).slice(2)}`)).init();
}

describe('RegistryClient against berth-registry', () => {
  it('pushes a two-layer image and pulls it back, digests verified', async () => {
    const img = await buildTestImage('roundtrip');
    const client = new RegistryClient();
    const events: ProgressEvent[] = [];
    const pushed = await client.push(`${server.host}/app/one:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs), {
      onProgress: (e) => events.push(e),
    });
    expect(pushed.digest).toBe(img.manifestDigest);
    expect(Object.values(pushed.blobs).sort()).toEqual(['uploaded', 'uploaded', 'uploaded']);
    expect(events.some((e) => e.status === 'done')).toBe(true);

    const again = await client.push(`${server.host}/app/one:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    expect(Object.values(again.blobs)).toEqual(['exists', 'exists', 'exists']);

    const s = await sink('rt');
    const progress: ProgressEvent[] = [];
    const seenLayers: string[] = [];
    const pulled = await client.pull(`${server.host}/app/one:1`, s, {
      onProgress: (e) => progress.push(e),
      onResolved: (r) => {
        expect(progress).toEqual([]);
        seenLayers.push(...r.parsed.layers.map((l) => l.digest));
      },
    });
    expect(seenLayers).toEqual(img.layers.map((l) => l.digest));
    expect(pulled.manifest.digest).toBe(img.manifestDigest);
    expect(pulled.config.rootfs?.diff_ids).toHaveLength(2);
    for (const [digest, bytes] of img.blobs) expect(sha256Digest(await s.read(digest))).toBe(sha256Digest(bytes));
    const big = img.layers[1]!;
    expect(progress.filter((e) => e.digest === big.digest).at(-1)).toMatchObject({ current: big.size, status: 'done' });

    expect(await client.headManifest(`${server.host}/app/one:1`)).toEqual({ mediaType: img.mediaType, digest: img.manifestDigest, size: img.manifestBytes.length });
    await expect(client.headManifest(`${server.host}/app/one:nope`)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // A second pull skips what the sink has.
    const second = await client.pull(`${server.host}/app/one:1`, s);
    expect(second.skipped.sort()).toEqual(img.layers.map((l) => l.digest).sort());
  });

  it('uploads in PATCH chunks and mounts across repositories', async () => {
    const img = await buildTestImage('chunked', { bigSize: 300_000 });
    const chunky = new RegistryClient({ chunkSize: 64 * 1024 });
    await chunky.push(`${server.host}/app/chunked:v1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const pulled = await new RegistryClient().pull(`${server.host}/app/chunked:v1`, await sink('chunk'));
    expect(pulled.manifest.digest).toBe(img.manifestDigest);

    const mounted = await new RegistryClient().push(`${server.host}/other/copy:v1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(new Map()), {
      mountFrom: ['app/chunked'],
    });
    expect(Object.values(mounted.blobs)).toEqual(['mounted', 'mounted', 'mounted']);
  });

  it('says which manifest is not found', async () => {
    await expect(new RegistryClient().resolve(`${server.host}/app/one:nope`)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `manifest for ${server.host}/app/one:nope not found: manifest unknown`,
    });
  });

  it('chooses a platform from an index', async () => {
    const amd = await buildTestImage('amd', { architecture: 'amd64', docker: true, bigSize: 1000 });
    const arm = await buildTestImage('arm', { architecture: 'arm64', docker: true, bigSize: 1000 });
    const client = new RegistryClient();
    for (const img of [amd, arm]) {
      await client.push(`${server.host}/multi@${img.manifestDigest}`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    }
    const index: Index = {
      schemaVersion: 2,
      mediaType: MediaType.DockerManifestList,
      manifests: [
        { mediaType: amd.mediaType, digest: amd.manifestDigest, size: amd.manifestBytes.length, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: arm.mediaType, digest: arm.manifestDigest, size: arm.manifestBytes.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    };
    const indexBytes = Buffer.from(JSON.stringify(index));
    const all = new Map([...amd.blobs, ...arm.blobs]);
    await client.push(`${server.host}/multi:latest`, { bytes: indexBytes, mediaType: MediaType.DockerManifestList }, mapSource(all));
    const r = await client.resolve(`${server.host}/multi`, { platform: { os: 'linux', architecture: 'arm64' } });
    expect(r.index?.digest).toBe(sha256Digest(indexBytes));
    expect(r.manifest.digest).toBe(arm.manifestDigest);
    const s = await sink('multi');
    const p = await client.pull(`${server.host}/multi`, s, { platform: { os: 'linux', architecture: 'amd64' } });
    expect(p.manifest.digest).toBe(amd.manifestDigest);
    expect(await s.has(sha256Digest(indexBytes))).toBe(true);
    await expect(client.resolve(`${server.host}/multi`, { platform: { os: 'linux', architecture: 's390x' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('resumes with Range after the connection drops mid-blob', async () => {
    const img = await buildTestImage('resume', { bigSize: 400_000 });
    await new RegistryClient().push(`${server.host}/app/resume:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const proxy = await new FaultyProxy(server.url, { mode: 'drop', after: 100_000 }).start();
    try {
      const s = await sink('resume');
      const pulled = await new RegistryClient({ retry: fast }).pull(`${proxy.host}/app/resume:1`, s);
      expect(pulled.manifest.digest).toBe(img.manifestDigest);
      const big = img.layers[1]!;
      expect(sha256Digest(await s.read(big.digest))).toBe(big.digest);
      const ranged = proxy.seen.filter((r) => r.path.endsWith(big.digest) && r.range);
      expect(ranged.length).toBeGreaterThanOrEqual(1);
      expect(ranged[0]!.range).toMatch(/^bytes=\d+-$/);
    } finally {
      await proxy.stop();
    }
  });

  it('starts an upload over when the connection drops during a push', async () => {
    const img = await buildTestImage('push-drop', { bigSize: 300_000 });
    const proxy = await new FaultyProxy(server.url, { mode: 'drop-upload', after: 50_000 }).start();
    try {
      const pushed = await new RegistryClient({ retry: fast }).push(`${proxy.host}/app/push-drop:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
      expect(pushed.digest).toBe(img.manifestDigest);
      const puts = proxy.seen.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'));
      expect(puts.length).toBe(4);
      const pulled = await new RegistryClient().pull(`${server.host}/app/push-drop:1`, await sink('push-drop'));
      expect(pulled.manifest.digest).toBe(img.manifestDigest);
    } finally {
      await proxy.stop();
    }
  });

  it('pulls through mirrors first and falls back to the registry', async () => {
    const img = await buildTestImage('mirrored', { bigSize: 10_000 });
    await new RegistryClient().push(`${server.host}/app/mirrored:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const empty = await RegistryServer.start({ dataRoot: path.join(tmp, 'mirror-empty'), addr: '127.0.0.1:0' });
    const full = await RegistryServer.start({ dataRoot: path.join(tmp, 'mirror-full'), addr: '127.0.0.1:0' });
    try {
      // An empty mirror: not found there, so the registry itself serves it.
      const viaOrigin = await new RegistryClient({ mirrors: { [server.host]: [empty.url] }, retry: fast }).pull(`${server.host}/app/mirrored:1`, await sink('m1'));
      expect(viaOrigin.manifest.digest).toBe(img.manifestDigest);
      expect(viaOrigin.reference.domain).toBe(server.host);
      // A registry that is not there, with a mirror that has the image.
      await new RegistryClient().push(`${full.host}/app/mirrored:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
      const dead = `127.0.0.1:${await freePort()}`;
      const viaMirror = await new RegistryClient({ mirrors: { [dead]: [empty.url, full.url] }, retry: fast }).pull(`${dead}/app/mirrored:1`, await sink('m2'));
      expect(viaMirror.manifest.digest).toBe(img.manifestDigest);
      expect(viaMirror.reference.domain).toBe(dead);
    } finally {
      await empty.close();
      await full.close();
    }
  });

  it('stops a pull when its signal aborts, keeping nothing half-written', async () => {
    const img = await buildTestImage('abort', { bigSize: 2_000_000 });
    await new RegistryClient().push(`${server.host}/app/abort:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const s = await sink('abort');
    const ac = new AbortController();
    const big = img.layers[1]!.digest;
    const p = new RegistryClient().pull(`${server.host}/app/abort:1`, s, {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.digest === big && e.status === 'downloading') ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    const c = await s.contents();
    expect(c.blobs).not.toContain(big.slice(7));
    expect(c.temps).toEqual([]);
  });

  it('refuses wrong bytes with a DataLossError and keeps nothing', async () => {
    const img = await buildTestImage('corrupt', { bigSize: 50_000 });
    await new RegistryClient().push(`${server.host}/app/corrupt:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const proxy = await new FaultyProxy(server.url, { mode: 'corrupt', after: 10 }).start();
    try {
      const s = await sink('corrupt');
      await expect(new RegistryClient({ retry: fast }).pull(`${proxy.host}/app/corrupt:1`, s)).rejects.toMatchObject({ code: 'DATA_LOSS' });
      const c = await s.contents();
      expect(c.blobs).toEqual([]);
      expect(c.temps).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('RegistryClient against berth-registry with auth', () => {
  let basic: RegistryServer;
  let token: RegistryServer;
  beforeAll(async () => {
    const htpasswd = path.join(tmp, 'htpasswd');
    await writeFile(htpasswd, `alice:${bcrypt.hashSync('s3cret', 5).replace(/^\$2b\$/, '$2y$')}\n`);
    basic = await RegistryServer.start({ dataRoot: path.join(tmp, 'basic'), addr: '127.0.0.1:0', htpasswd });
    token = await RegistryServer.start({ dataRoot: path.join(tmp, 'token'), addr: '127.0.0.1:0', htpasswd, tokenAuth: true });
  });
  afterAll(async () => {
    await basic?.close();
    await token?.close();
  });

  for (const kind of ['basic', 'token'] as const) {
    it(`${kind}: pushes and pulls with credentials, refuses without`, async () => {
      const srv = kind === 'basic' ? basic : token;
      const img = await buildTestImage(kind, { bigSize: 20_000 });
      const good = new RegistryClient({ credentials: staticCredentials({ [srv.host]: { username: 'alice', password: 's3cret' } }) });
      await good.push(`${srv.host}/secure/app:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
      const pulled = await good.pull(`${srv.host}/secure/app:1`, await sink(kind));
      expect(pulled.manifest.digest).toBe(img.manifestDigest);

      const mounted = await good.push(`${srv.host}/secure/copy:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(new Map()), {
        mountFrom: ['secure/app'],
      });
      expect(Object.values(mounted.blobs)).toEqual(['mounted', 'mounted', 'mounted']);

      await expect(new RegistryClient().resolve(`${srv.host}/secure/app:1`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await new RegistryClient().login(srv.host, { username: 'alice', password: 's3cret' })).toEqual({ status: 'Login Succeeded' });
      await expect(new RegistryClient().login(srv.host, { username: 'alice', password: 'bad' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      const info = await good.inspectDistribution(`${srv.host}/secure/app:1`);
      expect(info).toEqual({ descriptor: { mediaType: img.mediaType, digest: img.manifestDigest, size: img.manifestBytes.length }, platforms: [{ os: 'linux', architecture: 'amd64' }] });
      const wrong = new RegistryClient({ credentials: staticCredentials({ [srv.host]: { username: 'alice', password: 'nope' } }) });
      await expect(wrong.resolve(`${srv.host}/secure/app:1`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });
  }

  it('token: an identity (refresh) token from /token works as credentials; POST /token grants too', async () => {
    const basicAuth = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    const r = await fetch(`${token.url}/token?service=berth-registry&offline_token=true`, { headers: { Authorization: basicAuth } });
    const body = (await r.json()) as { refresh_token?: string };
    expect(typeof body.refresh_token).toBe('string');
    const img = await buildTestImage('identity', { bigSize: 5_000 });
    const client = new RegistryClient({ credentials: () => ({ identityToken: body.refresh_token! }) });
    await client.push(`${token.host}/ident/app:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    expect((await client.resolve(`${token.host}/ident/app:1`)).manifest.digest).toBe(img.manifestDigest);
    await expect(new RegistryClient({ credentials: () => ({ identityToken: 'forged' }) }).resolve(`${token.host}/ident/app:1`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // A refresh token is not an access token.
    const direct = await fetch(`${token.url}/v2/ident/app/manifests/1`, { headers: { Authorization: `Bearer ${body.refresh_token}` } });
    expect(direct.status).toBe(401);
    const form = new URLSearchParams({ grant_type: 'password', username: 'alice', password: 's3cret', service: 'berth-registry', scope: 'repository:ident/app:pull' });
    const posted = await fetch(`${token.url}/token`, { method: 'POST', body: form });
    const access = ((await posted.json()) as { access_token: string }).access_token;
    expect((await fetch(`${token.url}/v2/ident/app/manifests/1`, { headers: { Authorization: `Bearer ${access}` } })).status).toBe(200);
    const badForm = new URLSearchParams({ grant_type: 'password', username: 'alice', password: 'x' });
    expect((await fetch(`${token.url}/token`, { method: 'POST', body: badForm })).status).toBe(401);
  });
});
