import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sha256Digest } from '@berth/oci';
import { RegistryClient, staticCredentials } from '@berth/registry-client';
import { DirBlobSink, mapSource } from './__fixtures__/dir-blob-sink';
import { buildTestImage } from './__fixtures__/test-image';
import { RegistryServer } from './registry-server';

describe('berth-registry as a pull-through cache (--proxy-remote)', () => {
  let tmp: string;
  let upstream: RegistryServer | undefined;
  let mirror: RegistryServer;
  let htpasswd: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-proxy-'));
    htpasswd = path.join(tmp, 'htpasswd');
    await writeFile(htpasswd, `up:${bcrypt.hashSync('stream', 4)}\n`);
    upstream = await RegistryServer.start({ dataRoot: path.join(tmp, 'upstream'), addr: '127.0.0.1:0', htpasswd });
    mirror = await RegistryServer.start({
      dataRoot: path.join(tmp, 'mirror'),
      addr: '127.0.0.1:0',
      proxyRemote: { url: upstream.url, credentials: { username: 'up', password: 'stream' } },
    });
  });

  afterAll(async () => {
    await upstream?.close();
    await mirror?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('is read-only', async () => {
    const img = await buildTestImage('ro', { bigSize: 100 });
    await expect(
      new RegistryClient().push(`${mirror.host}/x:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs)),
    ).rejects.toMatchObject({ code: 'NOT_IMPLEMENTED' });
  });

  it('fills on the first pull and serves the second with upstream stopped', async () => {
    const img = await buildTestImage('proxied', { bigSize: 100_000 });
    const pusher = new RegistryClient({ credentials: staticCredentials({ [upstream!.host]: { username: 'up', password: 'stream' } }) });
    await pusher.push(`${upstream!.host}/library/app:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));

    const client = new RegistryClient({ retry: { sleep: async () => undefined } });
    const first = await client.pull(`${mirror.host}/library/app:1`, await new DirBlobSink(path.join(tmp, 's1')).init());
    expect(first.manifest.digest).toBe(img.manifestDigest);

    await upstream!.close();
    upstream = undefined;

    const sink = await new DirBlobSink(path.join(tmp, 's2')).init();
    const second = await client.pull(`${mirror.host}/library/app:1`, sink);
    expect(second.manifest.digest).toBe(img.manifestDigest);
    for (const d of img.blobs.keys()) expect(sha256Digest(await sink.read(d))).toBe(d);
    const byDigest = await client.resolve(`${mirror.host}/library/app@${img.manifestDigest}`);
    expect(byDigest.manifest.digest).toBe(img.manifestDigest);

    await expect(client.resolve(`${mirror.host}/library/app:never-pulled`)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
