import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sha256Digest } from '@berth/oci';
import { RegistryClient, staticCredentials } from '@berth/registry-client';
import { DirBlobSink, mapSource } from './__fixtures__/dir-blob-sink';
import { DockerRegistry } from './__fixtures__/docker-registry';
import { FaultyProxy } from './__fixtures__/faulty-proxy';
import { buildTestImage } from './__fixtures__/test-image';
import { RegistryServer } from './registry-server';

const d = DockerRegistry.available() ? describe : describe.skip;

d('RegistryClient against Debian docker-registry (distribution 2.8)', () => {
  let tmp: string;
  let open: DockerRegistry;
  let secured: DockerRegistry;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-docker-registry-'));
    const htpasswd = path.join(tmp, 'htpasswd');
    await writeFile(htpasswd, `bob:${bcrypt.hashSync('pa55', 5)}\n`);
    open = await new DockerRegistry().start();
    secured = await new DockerRegistry(htpasswd).start();
  }, 30_000);

  afterAll(async () => {
    await open?.stop();
    await secured?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('pushes (monolithic and chunked, then a mount) and pulls back with digests verified', async () => {
    const img = await buildTestImage('docker-registry', { docker: true, bigSize: 200_000 });
    const client = new RegistryClient();
    const r = await client.push(`${open.host}/team/app:1.0`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    expect(r.digest).toBe(img.manifestDigest);

    const chunky = new RegistryClient({ chunkSize: 50_000 });
    const img2 = await buildTestImage('chunks', { bigSize: 120_000 });
    await chunky.push(`${open.host}/team/chunked:1`, { bytes: img2.manifestBytes, mediaType: img2.mediaType }, mapSource(img2.blobs));

    const mounted = await client.push(`${open.host}/team/copy:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(new Map()), {
      mountFrom: ['team/app'],
    });
    expect(Object.values(mounted.blobs)).toEqual(['mounted', 'mounted', 'mounted']);

    for (const [ref, want] of [
      [`${open.host}/team/app:1.0`, img],
      [`${open.host}/team/chunked:1`, img2],
      [`${open.host}/team/copy:1`, img],
    ] as const) {
      const sink = await new DirBlobSink(path.join(tmp, `sink-${Math.random().toString(36).slice(2)}`)).init();
      const pulled = await client.pull(ref, sink);
      expect(pulled.manifest.digest).toBe(want.manifestDigest);
      for (const [digest] of want.blobs) expect(sha256Digest(await sink.read(digest))).toBe(digest);
    }
    await expect(client.resolve(`${open.host}/team/app:missing`)).rejects.toMatchObject({
      message: `manifest for ${open.host}/team/app:missing not found: manifest unknown`,
    });
  });

  it('resumes a dropped download from docker-registry', async () => {
    const img = await buildTestImage('dr-resume', { bigSize: 300_000 });
    await new RegistryClient().push(`${open.host}/team/resume:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const proxy = await new FaultyProxy(`http://${open.host}`, { mode: 'drop', after: 70_000 }).start();
    try {
      const sink = await new DirBlobSink(path.join(tmp, 'sink-resume')).init();
      const pulled = await new RegistryClient({ retry: { sleep: async () => undefined } }).pull(`${proxy.host}/team/resume:1`, sink);
      expect(pulled.manifest.digest).toBe(img.manifestDigest);
      expect(proxy.seen.some((s) => s.range !== undefined)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('uses basic auth against an htpasswd-protected docker-registry', async () => {
    const img = await buildTestImage('dr-basic', { bigSize: 10_000 });
    const good = new RegistryClient({ credentials: staticCredentials({ [secured.host]: { username: 'bob', password: 'pa55' } }) });
    await good.push(`${secured.host}/private/app:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const sink = await new DirBlobSink(path.join(tmp, 'sink-basic')).init();
    expect((await good.pull(`${secured.host}/private/app:1`, sink)).manifest.digest).toBe(img.manifestDigest);
    await expect(new RegistryClient().resolve(`${secured.host}/private/app:1`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await new RegistryClient().login(secured.host, { username: 'bob', password: 'pa55' })).toEqual({ status: 'Login Succeeded' });
    await expect(new RegistryClient().login(secured.host, { username: 'bob', password: 'nope' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('berth-registry is a pull-through cache in front of docker-registry (with upstream credentials)', async () => {
    const img = await buildTestImage('dr-proxy', { bigSize: 40_000 });
    const good = new RegistryClient({ credentials: staticCredentials({ [secured.host]: { username: 'bob', password: 'pa55' } }) });
    await good.push(`${secured.host}/proxied/app:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const mirror = await RegistryServer.start({
      dataRoot: path.join(tmp, 'mirror'),
      addr: '127.0.0.1:0',
      proxyRemote: { url: `http://${secured.host}`, credentials: { username: 'bob', password: 'pa55' } },
    });
    try {
      const sink = await new DirBlobSink(path.join(tmp, 'sink-proxy')).init();
      const pulled = await new RegistryClient().pull(`${mirror.host}/proxied/app:1`, sink);
      expect(pulled.manifest.digest).toBe(img.manifestDigest);
      for (const [digest] of img.blobs) expect(sha256Digest(await sink.read(digest))).toBe(digest);
    } finally {
      await mirror.close();
    }
  });

  it('docker-registry is a pull-through cache in front of berth-registry', async () => {
    const berth = await RegistryServer.start({ dataRoot: path.join(tmp, 'berth-upstream'), addr: '127.0.0.1:0' });
    let mirror: DockerRegistry | undefined;
    try {
      const img = await buildTestImage('berth-upstream', { bigSize: 40_000, docker: true });
      await new RegistryClient().push(`${berth.host}/library/up:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
      mirror = await new DockerRegistry(undefined, `proxy:\n  remoteurl: ${berth.url}\n`).start();
      const sink = await new DirBlobSink(path.join(tmp, 'sink-dr-mirror')).init();
      const pulled = await new RegistryClient().pull(`${mirror.host}/library/up:1`, sink);
      expect(pulled.manifest.digest).toBe(img.manifestDigest);
      for (const [digest] of img.blobs) expect(sha256Digest(await sink.read(digest))).toBe(digest);
    } finally {
      await mirror?.stop();
      await berth.close();
    }
  });
});
