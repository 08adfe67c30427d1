import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MediaType, digestHex, sha256Digest } from '@berth/oci';
import { buildTestImage } from './__fixtures__/test-image';
import { RegistryServer } from './registry-server';

let tmp: string;
let server: RegistryServer;
let base: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-api-'));
  server = await RegistryServer.start({ dataRoot: tmp, addr: '127.0.0.1:0' });
  base = server.url;
});
afterAll(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function errors(res: Response): Promise<string[]> {
  const body = (await res.json()) as { errors: Array<{ code: string }> };
  return body.errors.map((e) => e.code);
}

async function monolithic(repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256Digest(bytes);
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes });
  expect(res.status).toBe(201);
  expect(res.headers.get('docker-content-digest')).toBe(digest);
  return digest;
}

async function pushImage(repo: string, tag: string, seed: string) {
  const img = await buildTestImage(seed, { bigSize: 5000 });
  for (const d of [img.config, ...img.layers]) await monolithic(repo, img.blobs.get(d.digest)!);
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', headers: { 'Content-Type': img.mediaType }, body: img.manifestBytes });
  expect(res.status).toBe(201);
  return img;
}

describe('berth-registry API', () => {
  it('answers /v2/ with the API version header', async () => {
    const res = await fetch(`${base}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('takes chunked uploads, checks Content-Range, reports status, verifies the digest', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    const start = await fetch(`${base}/v2/chunks/blobs/uploads/`, { method: 'POST' });
    expect(start.status).toBe(202);
    const loc = start.headers.get('location')!;
    expect(loc).toMatch(/^\/v2\/chunks\/blobs\/uploads\/[0-9a-f-]{36}$/);
    let r = await fetch(`${base}${loc}`, { method: 'PATCH', headers: { 'Content-Range': '0-9' }, body: data.subarray(0, 10) });
    expect(r.status).toBe(202);
    expect(r.headers.get('range')).toBe('0-9');
    r = await fetch(`${base}${loc}`, { method: 'PATCH', headers: { 'Content-Range': '5-14' }, body: data.subarray(10, 20) });
    expect(r.status).toBe(416);
    expect(await errors(r)).toEqual(['RANGE_INVALID']);
    r = await fetch(`${base}${loc}`);
    expect(r.status).toBe(204);
    expect(r.headers.get('range')).toBe('0-9');
    r = await fetch(`${base}${loc}`, { method: 'PATCH', headers: { 'Content-Range': '10-19' }, body: data.subarray(10, 20) });
    expect(r.status).toBe(202);
    const digest = sha256Digest(data);
    r = await fetch(`${base}${loc}?digest=${digest}`, { method: 'PUT' });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/v2/chunks/blobs/${digest}`);
    const got = await fetch(`${base}/v2/chunks/blobs/${digest}`);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(data);
    r = await fetch(`${base}${loc}`);
    expect(r.status).toBe(404);
    expect(await errors(r)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
  });

  it('refuses a digest mismatch and keeps nothing', async () => {
    const wrong = sha256Digest('something else');
    const r = await fetch(`${base}/v2/bad/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: 'these bytes' });
    expect(r.status).toBe(400);
    expect(await errors(r)).toEqual(['DIGEST_INVALID']);
    expect(await readdir(path.join(tmp, 'blobs', 'sha256'))).not.toContain(digestHex(sha256Digest('these bytes')));
    expect(await readdir(path.join(tmp, 'tmp'))).toEqual([]);
  });

  it('serves ranges of a blob, HEAD, and only to repositories that hold it', async () => {
    const data = Buffer.from('range test payload');
    const digest = await monolithic('ranged', data);
    let r = await fetch(`${base}/v2/ranged/blobs/${digest}`, { headers: { Range: 'bytes=6-9' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 6-9/${data.length}`);
    expect(Buffer.from(await r.arrayBuffer()).toString()).toBe('test');
    r = await fetch(`${base}/v2/ranged/blobs/${digest}`, { headers: { Range: 'bytes=100-' } });
    expect(r.status).toBe(416);
    await r.arrayBuffer();
    r = await fetch(`${base}/v2/ranged/blobs/${digest}`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(data.length));
    r = await fetch(`${base}/v2/elsewhere/blobs/${digest}`);
    expect(r.status).toBe(404);
    expect(await errors(r)).toEqual(['BLOB_UNKNOWN']);
    // Mount into another repository, then it is there.
    r = await fetch(`${base}/v2/elsewhere/blobs/uploads/?mount=${digest}&from=ranged`, { method: 'POST' });
    expect(r.status).toBe(201);
    expect((await fetch(`${base}/v2/elsewhere/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
    // Cancel an upload.
    const s = await fetch(`${base}/v2/ranged/blobs/uploads/`, { method: 'POST' });
    const loc = s.headers.get('location')!;
    expect((await fetch(`${base}${loc}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}${loc}`)).status).toBe(404);
  });

  it('stores manifests by tag and digest and checks what they reference', async () => {
    const img = await pushImage('man/ifest', 'v1', 'manifests');
    let r = await fetch(`${base}/v2/man/ifest/manifests/v1`, { headers: { Accept: MediaType.OciManifest } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(img.mediaType);
    expect(r.headers.get('docker-content-digest')).toBe(img.manifestDigest);
    expect(Buffer.from(await r.arrayBuffer())).toEqual(img.manifestBytes);
    r = await fetch(`${base}/v2/man/ifest/manifests/${img.manifestDigest}`, { method: 'HEAD' });
    expect(r.status).toBe(200);

    const other = await buildTestImage('missing-blobs', { bigSize: 100 });
    r = await fetch(`${base}/v2/man/ifest/manifests/v2`, { method: 'PUT', headers: { 'Content-Type': other.mediaType }, body: other.manifestBytes });
    expect(r.status).toBe(404);
    expect(await errors(r)).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    const lying = Buffer.from(JSON.stringify({ ...img.manifest, layers: [{ ...img.layers[0]!, size: img.layers[0]!.size + 1 }] }));
    r = await fetch(`${base}/v2/man/ifest/manifests/lying`, { method: 'PUT', headers: { 'Content-Type': img.mediaType }, body: lying });
    expect(await errors(r)).toEqual(['MANIFEST_INVALID']);
    r = await fetch(`${base}/v2/man/ifest/manifests/v3`, { method: 'PUT', headers: { 'Content-Type': MediaType.OciManifest }, body: '{not json' });
    expect(await errors(r)).toEqual(['MANIFEST_INVALID']);
    r = await fetch(`${base}/v2/man/ifest/manifests/${sha256Digest('x')}`, { method: 'PUT', headers: { 'Content-Type': img.mediaType }, body: img.manifestBytes });
    expect(await errors(r)).toEqual(['DIGEST_INVALID']);
    r = await fetch(`${base}/v2/man/ifest/manifests/v4`, { method: 'PUT', headers: { 'Content-Type': img.mediaType }, body: Buffer.alloc(4 * 1024 * 1024 + 1, 32) });
    expect(r.status).toBe(400);
    r = await fetch(`${base}/v2/man/ifest/manifests/nope`);
    expect(r.status).toBe(404);
    expect(await errors(r)).toEqual(['MANIFEST_UNKNOWN']);

    // Deleting the tag leaves the manifest; deleting by digest removes it.
    expect((await fetch(`${base}/v2/man/ifest/manifests/v1`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${base}/v2/man/ifest/manifests/v1`)).status).toBe(404);
    expect((await fetch(`${base}/v2/man/ifest/manifests/${img.manifestDigest}`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${base}/v2/man/ifest/manifests/${img.manifestDigest}`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${base}/v2/man/ifest/manifests/${img.manifestDigest}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('lists referrers of a manifest (OCI v1.1) and says OCI-Subject', async () => {
    const img = await pushImage('ref/app', 'v1', 'referrers');
    const empty = await monolithic('ref/app', Buffer.from('{}'));
    const sig = await monolithic('ref/app', Buffer.from('a signature'));
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        artifactType: 'application/vnd.example.signature',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
        layers: [{ mediaType: 'application/octet-stream', digest: sig, size: 11 }],
        subject: { mediaType: img.mediaType, digest: img.manifestDigest, size: img.manifestBytes.length },
        annotations: { 'org.example.kind': 'sig' },
      }),
    );
    const artifactDigest = sha256Digest(artifact);
    let r = await fetch(`${base}/v2/ref/app/manifests/${artifactDigest}`, { method: 'PUT', headers: { 'Content-Type': MediaType.OciManifest }, body: artifact });
    expect(r.status).toBe(201);
    expect(r.headers.get('oci-subject')).toBe(img.manifestDigest);
    r = await fetch(`${base}/v2/ref/app/referrers/${img.manifestDigest}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(MediaType.OciIndex);
    expect(await r.json()).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [
        { mediaType: MediaType.OciManifest, digest: artifactDigest, size: artifact.length, artifactType: 'application/vnd.example.signature', annotations: { 'org.example.kind': 'sig' } },
      ],
    });
    r = await fetch(`${base}/v2/ref/app/referrers/${img.manifestDigest}?artifactType=application/other`);
    expect(r.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(((await r.json()) as { manifests: unknown[] }).manifests).toEqual([]);
    expect((await fetch(`${base}/v2/ref/app/manifests/${artifactDigest}`, { method: 'DELETE' })).status).toBe(202);
    r = await fetch(`${base}/v2/ref/app/referrers/${img.manifestDigest}`);
    expect(((await r.json()) as { manifests: unknown[] }).manifests).toEqual([]);
  });

  it('lists tags and the catalog with n/last pagination and a Link header', async () => {
    await pushImage('paged', 'a', 'p1');
    await pushImage('paged', 'b', 'p2');
    await pushImage('paged', 'c', 'p3');
    await pushImage('paged2', 'a', 'p4');
    let r = await fetch(`${base}/v2/paged/tags/list?n=2`);
    expect(await r.json()).toEqual({ name: 'paged', tags: ['a', 'b'] });
    expect(r.headers.get('link')).toBe('</v2/paged/tags/list?n=2&last=b>; rel="next"');
    r = await fetch(`${base}/v2/paged/tags/list?n=2&last=b`);
    expect(await r.json()).toEqual({ name: 'paged', tags: ['c'] });
    expect(r.headers.get('link')).toBeNull();
    r = await fetch(`${base}/v2/paged/tags/list?n=x`);
    expect(await errors(r)).toEqual(['PAGINATION_NUMBER_INVALID']);
    r = await fetch(`${base}/v2/nothing-here/tags/list`);
    expect(await errors(r)).toEqual(['NAME_UNKNOWN']);
    r = await fetch(`${base}/v2/_catalog?n=1`);
    const first = (await r.json()) as { repositories: string[] };
    expect(first.repositories).toHaveLength(1);
    expect(r.headers.get('link')).toContain('rel="next"');
    const all = (await (await fetch(`${base}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(all.repositories).toEqual(expect.arrayContaining(['paged', 'paged2']));
    expect([...all.repositories].sort()).toEqual(all.repositories);
  });

  it('refuses invalid repository names and unknown methods', async () => {
    let r = await fetch(`${base}/v2/Upper/Case/tags/list`);
    expect(r.status).toBe(400);
    expect(await errors(r)).toEqual(['NAME_INVALID']);
    r = await fetch(`${base}/v2/a..b/manifests/x`);
    expect(await errors(r)).toEqual(['NAME_INVALID']);
    r = await fetch(`${base}/v2/ok/manifests/%E0%A4%A`);
    expect(r.status).toBe(400);
    r = await fetch(`${base}/v2/${'a'.repeat(256)}/tags/list`);
    expect(await errors(r)).toEqual(['NAME_INVALID']);
    r = await fetch(`${base}/v2/ok/blobs/uploads/?mount=${sha256Digest('x')}&from=..%2Fetc`, { method: 'POST' });
    expect(r.status).toBe(202);
    r = await fetch(`${base}/v2/ok/manifests/x`, { method: 'POST' });
    expect(r.status).toBe(405);
    expect(await errors(r)).toEqual(['UNSUPPORTED']);
  });

  it('collects garbage: blobs no manifest references', async () => {
    const img = await pushImage('gc/keep', 'v1', 'gc-keep');
    const orphan = await monolithic('gc/orphan', Buffer.from('nobody references me'));
    const graced = await server.garbageCollect({ graceMs: 60_000 });
    expect(graced.removed).not.toContain(orphan);
    const dry = await server.garbageCollect({ dryRun: true });
    expect(dry.removed).toContain(orphan);
    expect((await fetch(`${base}/v2/gc/orphan/blobs/${orphan}`, { method: 'HEAD' })).status).toBe(200);
    const r = await server.garbageCollect();
    expect(r.removed).toContain(orphan);
    for (const d of img.blobs.keys()) expect(r.removed).not.toContain(d);
    expect((await fetch(`${base}/v2/gc/orphan/blobs/${orphan}`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${base}/v2/gc/keep/manifests/v1`)).status).toBe(200);
  });
});
