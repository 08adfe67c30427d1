import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/registry-client';
import { DirBlobSink, mapSource } from './__fixtures__/dir-blob-sink';
import { buildTestImage } from './__fixtures__/test-image';
import { RegistryServer } from './registry-server';

const run = promisify(execFile);
const d = existsSync('/usr/bin/openssl') ? describe : describe.skip;

d('berth-registry over TLS (--tls-cert/--tls-key)', () => {
  let tmp: string;
  let server: RegistryServer;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-tls-'));
    const cert = path.join(tmp, 'cert.pem');
    const key = path.join(tmp, 'key.pem');
    await run('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    server = await RegistryServer.start({ dataRoot: path.join(tmp, 'data'), addr: '127.0.0.1:0', tlsCert: cert, tlsKey: key });
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('serves https; the client uses it for a loopback registry without verifying the certificate', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const img = await buildTestImage('tls', { bigSize: 30_000 });
    const client = new RegistryClient();
    await client.push(`${server.host}/secure:1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const pulled = await client.pull(`${server.host}/secure:1`, await new DirBlobSink(path.join(tmp, 'sink')).init());
    expect(pulled.manifest.digest).toBe(img.manifestDigest);
    expect(client.endpoint(server.host)).toBe(server.url);
  });
});
