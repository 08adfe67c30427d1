import { pipeline } from 'node:stream/promises';
import { isDigest } from '@berth/oci';
import { RegistryApiError } from './errcode';
import type { RouteContext } from './route-context';

/** Parses `bytes=START-END` / `bytes=START-` against a size; undefined when not satisfiable. */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return undefined;
  return { start, end };
}

async function linkedBlob(ctx: RouteContext): Promise<{ digest: string; size: number }> {
  const digest = ctx.param;
  if (!isDigest(digest)) throw new RegistryApiError('DIGEST_INVALID', { digest });
  const link = await ctx.deps.meta.blobLink(ctx.name, digest);
  let info = link ? await ctx.deps.blobs.stat(digest) : undefined;
  if (!info && ctx.deps.upstream && (await ctx.deps.upstream.blob(ctx.name, digest))) info = await ctx.deps.blobs.stat(digest);
  if (!info) throw new RegistryApiError('BLOB_UNKNOWN', { digest });
  return info;
}

/** GET and HEAD /v2/<name>/blobs/<digest>, with `Range`. */
export async function getBlob(ctx: RouteContext): Promise<void> {
  const { req, res } = ctx;
  const info = await linkedBlob(ctx);
  res.setHeader('Docker-Content-Digest', info.digest);
  res.setHeader('ETag', `"${info.digest}"`);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Cache-Control', 'max-age=31536000');
  let range: { start: number; end: number } | undefined;
  const rh = req.headers.range;
  if (rh && info.size > 0) {
    range = parseRange(rh, info.size);
    if (!range) {
      res.setHeader('Content-Range', `bytes */${info.size}`);
      throw new RegistryApiError('RANGE_INVALID', { range: rh });
    }
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(info.size));
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const body = await ctx.deps.blobs.read(info.digest, range);
  await pipeline(body, res);
}

/** DELETE /v2/<name>/blobs/<digest>: unlinks the blob from the repository (GC frees the bytes). */
export async function deleteBlob(ctx: RouteContext): Promise<void> {
  if (!isDigest(ctx.param)) throw new RegistryApiError('DIGEST_INVALID', { digest: ctx.param });
  if (!(await ctx.deps.meta.unlinkBlob(ctx.name, ctx.param))) throw new RegistryApiError('BLOB_UNKNOWN', { digest: ctx.param });
  ctx.res.status(202).setHeader('Content-Length', '0');
  ctx.res.end();
}
