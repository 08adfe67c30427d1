import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { codeOf } from '@berth/errdefs';
import { isDigest } from '@berth/oci';
import { RegistryApiError } from './errcode';
import { isRepositoryName } from './repository-name';
import { type RouteContext, repoAccess } from './route-context';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function hasBody(ctx: RouteContext): boolean {
  const h = ctx.req.headers;
  return (h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined;
}

function queryString(ctx: RouteContext, key: string): string | undefined {
  const v = (ctx.req.query as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

function uploadHeaders(ctx: RouteContext, uuid: string, size: number): void {
  ctx.res.setHeader('Location', `/v2/${ctx.name}/blobs/uploads/${uuid}`);
  ctx.res.setHeader('Docker-Upload-UUID', uuid);
  ctx.res.setHeader('Range', `0-${Math.max(0, size - 1)}`);
  ctx.res.setHeader('Content-Length', '0');
}

/** Stores a stream as a blob of this repository, or answers DIGEST_INVALID. */
async function commit(ctx: RouteContext, content: Readable, digest: string): Promise<void> {
  let info;
  try {
    info = await ctx.deps.blobs.write(content, { digest });
  } catch (e) {
    if (codeOf(e) === 'DATA_LOSS') throw new RegistryApiError('DIGEST_INVALID', { digest });
    throw e;
  }
  await ctx.deps.meta.linkBlob(ctx.name, info.digest, info.size);
  ctx.res.status(201);
  ctx.res.setHeader('Location', `/v2/${ctx.name}/blobs/${info.digest}`);
  ctx.res.setHeader('Docker-Content-Digest', info.digest);
  ctx.res.setHeader('Content-Length', '0');
  ctx.res.end();
}

/** POST /v2/<name>/blobs/uploads/: a session, a monolithic upload (`?digest=`) or a mount. */
export async function startUpload(ctx: RouteContext): Promise<void> {
  const mount = queryString(ctx, 'mount');
  const from = queryString(ctx, 'from');
  if (mount && from && isDigest(mount) && isRepositoryName(from) && (await ctx.allowed(repoAccess(from, 'pull')))) {
    const link = await ctx.deps.meta.blobLink(from, mount);
    if (link && (await ctx.deps.blobs.stat(mount))) {
      await ctx.deps.meta.linkBlob(ctx.name, mount, link.size);
      ctx.res.status(201);
      ctx.res.setHeader('Location', `/v2/${ctx.name}/blobs/${mount}`);
      ctx.res.setHeader('Docker-Content-Digest', mount);
      ctx.res.setHeader('Content-Length', '0');
      ctx.res.end();
      return;
    }
  }
  const digest = queryString(ctx, 'digest');
  if (digest !== undefined) {
    if (!isDigest(digest)) throw new RegistryApiError('DIGEST_INVALID', { digest });
    await commit(ctx, ctx.req, digest);
    return;
  }
  const uuid = randomUUID();
  await ctx.deps.uploads.create(uuid);
  await ctx.deps.meta.createUpload(uuid, ctx.name);
  ctx.req.resume();
  ctx.res.status(202);
  uploadHeaders(ctx, uuid, 0);
  ctx.res.end();
}

async function session(ctx: RouteContext): Promise<{ uuid: string; size: number }> {
  const uuid = ctx.param;
  const row = UUID_RE.test(uuid) ? await ctx.deps.meta.upload(uuid) : undefined;
  if (!row || row.repository !== ctx.name) throw new RegistryApiError('BLOB_UPLOAD_UNKNOWN', { uuid });
  return { uuid, size: await ctx.deps.uploads.size(uuid) };
}

/** PATCH /v2/<name>/blobs/uploads/<uuid>: one chunk, `Content-Range: START-END` optional. */
export async function patchUpload(ctx: RouteContext): Promise<void> {
  const s = await session(ctx);
  const cr = ctx.req.headers['content-range'];
  if (cr !== undefined) {
    const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(cr.trim());
    if (!m || Number(m[1]) !== s.size || Number(m[2]) < Number(m[1])) {
      ctx.res.setHeader('Location', `/v2/${ctx.name}/blobs/uploads/${s.uuid}`);
      ctx.res.setHeader('Range', `0-${Math.max(0, s.size - 1)}`);
      throw new RegistryApiError('RANGE_INVALID', { contentRange: cr, offset: s.size });
    }
  }
  const size = await ctx.deps.uploads.append(s.uuid, ctx.req);
  await ctx.deps.meta.setUploadSize(s.uuid, size);
  ctx.res.status(202);
  uploadHeaders(ctx, s.uuid, size);
  ctx.res.end();
}

/** PUT /v2/<name>/blobs/uploads/<uuid>?digest=: the last bytes (optional), then verify and commit. */
export async function finishUpload(ctx: RouteContext): Promise<void> {
  const s = await session(ctx);
  const digest = queryString(ctx, 'digest');
  if (!digest || !isDigest(digest)) throw new RegistryApiError('DIGEST_INVALID', { digest: digest ?? null });
  try {
    if (s.size === 0) {
      // Monolithic: stream the body straight into the store, no second pass.
      await commit(ctx, hasBody(ctx) ? ctx.req : Readable.from([]), digest);
    } else {
      if (hasBody(ctx)) await ctx.deps.uploads.append(s.uuid, ctx.req);
      else ctx.req.resume();
      await commit(ctx, ctx.deps.uploads.open(s.uuid).pipe(new PassThrough()), digest);
    }
  } finally {
    await ctx.deps.meta.deleteUpload(s.uuid);
    await ctx.deps.uploads.remove(s.uuid);
  }
}

/** GET /v2/<name>/blobs/uploads/<uuid>: how far the upload is. */
export async function uploadStatus(ctx: RouteContext): Promise<void> {
  const s = await session(ctx);
  ctx.res.status(204);
  uploadHeaders(ctx, s.uuid, s.size);
  ctx.res.end();
}

/** DELETE /v2/<name>/blobs/uploads/<uuid>: cancel. */
export async function cancelUpload(ctx: RouteContext): Promise<void> {
  const s = await session(ctx);
  await ctx.deps.meta.deleteUpload(s.uuid);
  await ctx.deps.uploads.remove(s.uuid);
  ctx.res.status(204).setHeader('Content-Length', '0');
  ctx.res.end();
}
