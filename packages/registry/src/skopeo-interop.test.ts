import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/registry-client';
import { mapSource } from './__fixtures__/dir-blob-sink';
import { buildTestImage } from './__fixtures__/test-image';
import { RegistryServer } from './registry-server';

const run = promisify(execFile);
const SKOPEO = '/usr/bin/skopeo';
const FIXTURE = path.resolve(__dirname, '../../..', 'test-e2e', 'fixtures', 'multilayer.oci-archive.tar');
const d = existsSync(SKOPEO) ? describe : describe.skip;

async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await run(SKOPEO, ['--insecure-policy', ...args], { timeout: 60_000 });
  return stdout;
}

d('skopeo against berth-registry', () => {
  let tmp: string;
  let server: RegistryServer;
  let src: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-skopeo-'));
    server = await RegistryServer.start({ dataRoot: path.join(tmp, 'data'), addr: '127.0.0.1:0' });
    src = path.join(tmp, 'src');
    // The OCI archive skopeo made from Docker's save of the multilayer fixture (test-e2e/fixtures).
    await run('tar', ['-xf', FIXTURE, '-C', tmp]);
    await run('mkdir', ['-p', src]);
    await run('sh', ['-c', `cd "${tmp}" && mv blobs index.json oci-layout "${src}/"`]);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('copies an OCI layout into berth-registry and back out', async () => {
    await skopeo('copy', '--dest-tls-verify=false', `oci:${src}`, `docker://${server.host}/x:1`);
    const out = path.join(tmp, 'out');
    await skopeo('copy', '--src-tls-verify=false', `docker://${server.host}/x:1`, `oci:${out}:1`);
    const srcIndex = JSON.parse(await readFile(path.join(src, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const outIndex = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    expect(outIndex.manifests[0]!.digest).toBe(srcIndex.manifests[0]!.digest);
    expect((await readdir(path.join(out, 'blobs', 'sha256'))).sort()).toEqual((await readdir(path.join(src, 'blobs', 'sha256'))).sort());
    // And docker:// to docker:// inside the registry (skopeo mounts or re-uploads).
    await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${server.host}/x:1`, `docker://${server.host}/y/z:2`);
    const tags = await skopeo('list-tags', '--tls-verify=false', `docker://${server.host}/y/z`);
    expect(JSON.parse(tags)).toMatchObject({ Tags: ['2'] });
  });

  it('inspects what the berth client pushed', async () => {
    const img = await buildTestImage('inspect-me', { docker: true });
    await new RegistryClient().push(`${server.host}/pushed/by-berth:v1`, { bytes: img.manifestBytes, mediaType: img.mediaType }, mapSource(img.blobs));
    const info = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${server.host}/pushed/by-berth:v1`)) as {
      Digest: string;
      Layers: string[];
      Labels: Record<string, string>;
      Architecture: string;
    };
    expect(info.Digest).toBe(img.manifestDigest);
    expect(info.Layers).toEqual(img.layers.map((l) => l.digest));
    expect(info.Labels).toEqual({ seed: 'inspect-me' });
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${server.host}/pushed/by-berth:v1`);
    expect(raw).toBe(img.manifestBytes.toString());
  });

  for (const mode of ['basic', 'token'] as const) {
    it(`copies in and out with ${mode} auth (--creds), and is refused without`, async () => {
      const htpasswd = path.join(tmp, `htpasswd-${mode}`);
      await writeFile(htpasswd, `alice:${bcrypt.hashSync('s3cret', 5)}\n`);
      const secured = await RegistryServer.start({ dataRoot: path.join(tmp, `data-${mode}`), addr: '127.0.0.1:0', htpasswd, tokenAuth: mode === 'token' });
      try {
        await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${src}`, `docker://${secured.host}/private/x:1`);
        const info = JSON.parse(await skopeo('inspect', '--tls-verify=false', '--creds', 'alice:s3cret', `docker://${secured.host}/private/x:1`)) as { Layers: string[] };
        expect(info.Layers.length).toBeGreaterThan(0);
        await expect(skopeo('inspect', '--tls-verify=false', '--no-creds', `docker://${secured.host}/private/x:1`)).rejects.toThrow(/unauthorized|authentication required|401/i);
        await expect(skopeo('inspect', '--tls-verify=false', '--creds', 'alice:wrong', `docker://${secured.host}/private/x:1`)).rejects.toThrow(/unauthorized|authentication required|401|invalid username/i);
      } finally {
        await secured.close();
      }
    });
  }
});
