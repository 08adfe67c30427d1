import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Descriptor, type Index, type Manifest, MediaType, isDigest, isIndexMediaType, isManifestMediaType, sha256Digest } from '@berth/oci';
import { messageOf } from '@berth/errdefs';
import { RegistryApiError } from './errcode';
import { upstreamUnavailable } from './proxy-upstream';
import type { ManifestRow, ReferrerRow } from './registry-metadata';
import { isTag } from './repository-name';
import type { RouteContext } from './route-context';

/** Manifests larger than this are refused. */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;

const KNOWN = new Set<string>([MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList]);

async function readBody(ctx: RouteContext): Promise<Buffer> {
  const declared = Number(ctx.req.headers['content-length'] ?? NaN);
  if (declared > MAX_MANIFEST_SIZE) throw new RegistryApiError('MANIFEST_INVALID', { reason: `larger than ${MAX_MANIFEST_SIZE} bytes` });
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of ctx.req) {
    n += (c as Buffer).length;
    if (n > MAX_MANIFEST_SIZE) {
      ctx.req.destroy();
      throw new RegistryApiError('MANIFEST_INVALID', { reason: `larger than ${MAX_MANIFEST_SIZE} bytes` });
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function lookup(ctx: RouteContext): Promise<ManifestRow> {
  const ref = ctx.param;
  const { upstream, log } = ctx.deps;
  let upstreamError: unknown;
  if (upstream && isTag(ref) && !isDigest(ref)) {
    // A tag moves: ask upstream first, fall back to the cache when upstream is down.
    try {
      const fresh = await upstream.manifest(ctx.name, ref);
      if (fresh) return fresh;
    } catch (e) {
      if (!upstreamUnavailable(e)) throw e;
      upstreamError = e;
      log.warn({ name: ctx.name, reference: ref, err: messageOf(e) }, 'proxy: upstream unavailable, serving from cache');
    }
  }
  let row = isDigest(ref) ? await ctx.deps.meta.manifest(ctx.name, ref) : isTag(ref) ? await ctx.deps.meta.tag(ctx.name, ref) : undefined;
  if (!row && upstream && isDigest(ref)) row = await upstream.manifest(ctx.name, ref);
  if (!row && upstreamError) throw upstreamError;
  if (!row) {
    if (!isDigest(ref) && !isTag(ref)) throw new RegistryApiError('TAG_INVALID', { reference: ref });
    throw new RegistryApiError('MANIFEST_UNKNOWN', { name: ctx.name, reference: ref }, `manifest unknown`);
  }
  return row;
}

/** GET and HEAD /v2/<name>/manifests/<tag|digest>. */
export async function getManifest(ctx: RouteContext): Promise<void> {
  const row = await lookup(ctx);
  const { res } = ctx;
  res.status(200);
  res.setHeader('Content-Type', row.mediaType);
  res.setHeader('Content-Length', String(row.size));
  res.setHeader('Docker-Content-Digest', row.digest);
  res.setHeader('ETag', `"${row.digest}"`);
  if (ctx.req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(await ctx.deps.blobs.read(row.digest), res);
}

/** What a manifest names that must already be in the repository. */
function references(mediaType: string, doc: Manifest | Index): { blobs: Descriptor[]; manifests: Descriptor[] } {
  const check = (d: unknown): Descriptor => {
    const x = d as Partial<Descriptor> | null;
    if (!x || typeof x !== 'object' || typeof x.digest !== 'string' || typeof x.size !== 'number' || !Number.isSafeInteger(x.size) || x.size < 0) {
      throw new RegistryApiError('MANIFEST_INVALID', { reason: 'malformed descriptor' });
    }
    return x as Descriptor;
  };
  if (isIndexMediaType(mediaType)) {
    const idx = doc as Index;
    if (!Array.isArray(idx.manifests)) throw new RegistryApiError('MANIFEST_INVALID', { reason: 'index without manifests' });
    return { blobs: [], manifests: idx.manifests.map(check) };
  }
  const m = doc as Manifest;
  if (!m.config || !Array.isArray(m.layers)) throw new RegistryApiError('MANIFEST_INVALID', { reason: 'manifest without config or layers' });
  const blobs = [check(m.config), ...m.layers.map(check).filter((l) => !(Array.isArray(l.urls) && l.urls.length > 0))];
  return { blobs, manifests: [] };
}

/** PUT /v2/<name>/manifests/<tag|digest>: checks, stores, links, tags. */
export async function putManifest(ctx: RouteContext): Promise<void> {
  const ref = ctx.param;
  const byDigest = isDigest(ref);
  if (!byDigest && !isTag(ref)) throw new RegistryApiError('TAG_INVALID', { tag: ref });
  const bytes = await readBody(ctx);
  let doc: (Manifest | Index) & { mediaType?: string; schemaVersion?: number };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    throw new RegistryApiError('MANIFEST_INVALID', { reason: 'invalid JSON' });
  }
  if (!doc || typeof doc !== 'object' || doc.schemaVersion !== 2) throw new RegistryApiError('MANIFEST_INVALID', { reason: 'schemaVersion must be 2' });
  const contentType = ctx.req.headers['content-type']?.split(';')[0]?.trim();
  let mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : contentType;
  if (!mediaType || !KNOWN.has(mediaType)) {
    // An OCI manifest may omit mediaType; tell it by its shape.
    if (Array.isArray((doc as Index).manifests)) mediaType = MediaType.OciIndex;
    else if ((doc as Manifest).config) mediaType = MediaType.OciManifest;
    else throw new RegistryApiError('MANIFEST_INVALID', { reason: `unsupported media type "${mediaType ?? ''}"` });
  }
  if (contentType && KNOWN.has(contentType) && typeof doc.mediaType === 'string' && doc.mediaType !== contentType) {
    throw new RegistryApiError('MANIFEST_INVALID', { reason: `mediaType "${doc.mediaType}" does not match Content-Type "${contentType}"` });
  }
  if (!isManifestMediaType(mediaType) && !isIndexMediaType(mediaType)) throw new RegistryApiError('MANIFEST_INVALID', { reason: 'unsupported media type' });
  const digest = sha256Digest(bytes);
  if (byDigest && ref !== digest) throw new RegistryApiError('DIGEST_INVALID', { digest: ref, computed: digest });
  const refs = references(mediaType, doc);
  const unknown: string[] = [];
  for (const b of refs.blobs) {
    const info = isDigest(b.digest) && (await ctx.deps.meta.blobLink(ctx.name, b.digest)) ? await ctx.deps.blobs.stat(b.digest) : undefined;
    if (!info) unknown.push(b.digest);
    else if (info.size !== b.size) throw new RegistryApiError('MANIFEST_INVALID', { reason: `size of ${b.digest} is ${info.size}, not ${b.size}` });
  }
  for (const m of refs.manifests) {
    if (!isDigest(m.digest) || !(await ctx.deps.meta.manifest(ctx.name, m.digest))) unknown.push(m.digest);
  }
  if (unknown.length > 0) throw new RegistryApiError('MANIFEST_BLOB_UNKNOWN', { digests: unknown });
  const referrer = referrerOf(doc);
  await ctx.deps.blobs.write(Readable.from([bytes]), { digest, size: bytes.length });
  const children = [...refs.blobs, ...refs.manifests].map((d) => d.digest);
  await ctx.deps.meta.putManifest(ctx.name, { digest, mediaType, size: bytes.length }, children, byDigest ? undefined : ref, referrer);
  if (referrer) ctx.res.setHeader('OCI-Subject', referrer.subject);
  ctx.res.status(201);
  ctx.res.setHeader('Location', `/v2/${ctx.name}/manifests/${digest}`);
  ctx.res.setHeader('Docker-Content-Digest', digest);
  ctx.res.setHeader('Content-Length', '0');
  ctx.res.end();
}

/** The `subject` of an OCI manifest or index, and what the referrers API shows of it. */
function referrerOf(doc: (Manifest | Index) & { subject?: { digest?: unknown }; artifactType?: unknown }): ReferrerRow | undefined {
  const subject = doc.subject?.digest;
  if (subject === undefined) return undefined;
  if (typeof subject !== 'string' || !isDigest(subject)) throw new RegistryApiError('MANIFEST_INVALID', { reason: 'subject digest invalid' });
  const r: ReferrerRow = { subject };
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : (doc as Manifest).config?.mediaType;
  if (artifactType) r.artifactType = artifactType;
  if (doc.annotations && typeof doc.annotations === 'object') r.annotations = doc.annotations;
  return r;
}

/** GET /v2/<name>/referrers/<digest>?artifactType=: an OCI index of the manifests naming it. */
export async function listReferrers(ctx: RouteContext): Promise<void> {
  if (!isDigest(ctx.param)) throw new RegistryApiError('DIGEST_INVALID', { digest: ctx.param });
  const q = ctx.req.query as Record<string, unknown>;
  const artifactType = typeof q['artifactType'] === 'string' ? q['artifactType'] : undefined;
  const manifests = await ctx.deps.meta.referrers(ctx.name, ctx.param, artifactType);
  if (artifactType) ctx.res.setHeader('OCI-Filters-Applied', 'artifactType');
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
  ctx.res.status(200).setHeader('Content-Type', MediaType.OciIndex);
  ctx.res.setHeader('Content-Length', String(body.length));
  ctx.res.end(body);
}

/** DELETE /v2/<name>/manifests/<digest> (the manifest and its tags) or <tag> (the tag only). */
export async function deleteManifest(ctx: RouteContext): Promise<void> {
  const ref = ctx.param;
  const done = isDigest(ref) ? await ctx.deps.meta.deleteManifest(ctx.name, ref) : isTag(ref) ? await ctx.deps.meta.deleteTag(ctx.name, ref) : false;
  if (!done) throw new RegistryApiError('MANIFEST_UNKNOWN', { name: ctx.name, reference: ref });
  ctx.res.status(202).setHeader('Content-Length', '0');
  ctx.res.end();
}
