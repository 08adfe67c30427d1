import { PassThrough, type Readable } from 'node:stream';
import { CancelledError, InternalError, InvalidArgumentError, codeOf } from '@berth/errdefs';
import type { Descriptor } from '@berth/oci';
import type { BlobSource, ProgressCallback } from './blob-sink';
import type { RegistryTransport } from './registry-transport';
import { type RetryPolicy, backoffDelay } from './retry';

/** What a push did with one blob. */
export type PushBlobResult = 'exists' | 'mounted' | 'uploaded';

export interface PushBlobOptions {
  repository: string;
  desc: Descriptor;
  source: BlobSource;
  transport: RegistryTransport;
  /** >0: blobs larger than this go in PATCH chunks of this size. */
  chunkSize: number;
  mountFrom: readonly string[];
  retry: RetryPolicy;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

function withDigest(location: string, digest: string): string {
  const u = new URL(location, 'http://placeholder');
  u.searchParams.set('digest', digest);
  return /^[a-z]+:\/\//i.test(location) ? u.toString() : `${u.pathname}${u.search}`;
}

/**
 * Pushes one blob: `HEAD` (skip if present), a cross-repository mount from each of
 * `mountFrom`, else an upload session (`POST`) finished either monolithically (`PUT` with
 * the whole body and `?digest=`) or in `PATCH` chunks with `Content-Range` and a final `PUT`.
 */
export async function pushBlob(o: PushBlobOptions): Promise<PushBlobResult> {
  const { desc, transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'blob' as const, name: desc.digest };
  const scopes = [`repository:${repository}:pull,push`];
  const head = await transport.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${desc.digest}`, scopes, accept: [404], subject, ...sig });
  if (head.status === 200) {
    o.onProgress?.({ digest: desc.digest, current: desc.size, total: desc.size, status: 'exists' });
    return 'exists';
  }
  let location: string | undefined;
  for (const from of o.mountFrom) {
    if (from === repository) continue;
    const q = new URLSearchParams({ mount: desc.digest, from });
    const res = await transport.request({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/?${q.toString()}`,
      headers: { 'Content-Length': '0' },
      scopes: [...scopes, `repository:${from}:pull`],
      subject,
      ...sig,
    });
    if (res.status === 201) {
      o.onProgress?.({ digest: desc.digest, current: desc.size, total: desc.size, status: 'mounted' });
      return 'mounted';
    }
    location = res.headers['location'];
    if (location) break;
  }
  // An upload that fails on the way (connection lost, registry restarted) starts over with a
  // new session, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    try {
      await upload(o, location);
      break;
    } catch (e) {
      if (o.signal?.aborted) throw new CancelledError(`blob ${desc.digest}: cancelled`, { cause: e });
      if (codeOf(e) !== 'UNAVAILABLE' || attempt >= o.retry.attempts) throw e;
      const delay = backoffDelay(o.retry, attempt);
      location = undefined;
      await o.retry.sleep(delay, o.signal);
    }
  }
  o.onProgress?.({ digest: desc.digest, current: desc.size, total: desc.size, status: 'done' });
  return 'uploaded';
}

async function upload(o: PushBlobOptions, started: string | undefined): Promise<void> {
  const { desc, transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'blob' as const, name: desc.digest };
  const scopes = [`repository:${repository}:pull,push`];
  let location = started;
  if (!location) {
    const res = await transport.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, headers: { 'Content-Length': '0' }, scopes, subject, ...sig });
    location = res.headers['location'];
  }
  if (!location) throw new InternalError(`blob ${desc.digest}: registry started an upload without a Location`);
  try {
    await send(o, location);
  } catch (e) {
    // Best effort: tell the registry to drop the session.
    await transport.request({ method: 'DELETE', path: location, scopes, subject, accept: [404] }).catch(() => undefined);
    throw e;
  }
}

async function send(o: PushBlobOptions, location: string): Promise<void> {
  const { desc, transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'blob' as const, name: desc.digest };
  const scopes = [`repository:${repository}:pull,push`];
  const content = await o.source.open(desc, o.signal);
  if (o.chunkSize > 0 && desc.size > o.chunkSize) {
    await chunkedUpload(o, content, location);
  } else {
    let sent = 0;
    const counted = new PassThrough();
    counted.on('data', (c: Buffer) => {
      sent += c.length;
      o.onProgress?.({ digest: desc.digest, current: sent, total: desc.size, status: 'uploading' });
    });
    content.on('error', (e) => counted.destroy(e));
    content.pipe(counted);
    await transport.request({
      method: 'PUT',
      path: withDigest(location, desc.digest),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) },
      body: counted,
      scopes,
      subject,
      ...sig,
    });
  }
}

async function chunkedUpload(o: PushBlobOptions, content: Readable, first: string): Promise<void> {
  const { desc, transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'upload' as const, name: desc.digest };
  const scopes = [`repository:${repository}:pull,push`];
  let location = first;
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const send = async (chunk: Buffer): Promise<void> => {
    const res = await transport.request({
      method: 'PATCH',
      path: location,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(chunk.length),
        'Content-Range': `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      scopes,
      subject,
      ...sig,
    });
    offset += chunk.length;
    location = res.headers['location'] ?? location;
    o.onProgress?.({ digest: desc.digest, current: offset, total: desc.size, status: 'uploading' });
  };
  for await (const c of content) {
    pending.push(c as Buffer);
    pendingLen += (c as Buffer).length;
    while (pendingLen >= o.chunkSize) {
      const all = Buffer.concat(pending);
      await send(all.subarray(0, o.chunkSize));
      const rest = all.subarray(o.chunkSize);
      pending = rest.length ? [rest] : [];
      pendingLen = rest.length;
    }
  }
  if (pendingLen > 0) await send(Buffer.concat(pending));
  if (offset !== desc.size) throw new InvalidArgumentError(`blob ${desc.digest}: local content has ${offset} bytes, descriptor says ${desc.size}`);
  await transport.request({
    method: 'PUT',
    path: withDigest(location, desc.digest),
    headers: { 'Content-Length': '0' },
    scopes,
    subject,
    ...sig,
  });
}

export interface PushStreamedBlobOptions {
  repository: string;
  transport: RegistryTransport;
  /** What the blob is, for errors (e.g. the layer's diff ID). */
  name: string;
  /** The blob's bytes, read once. */
  body: Readable;
  /** The blob's digest, known once `body` has been read through (resolved by its producer). */
  digest: Promise<string>;
  signal?: AbortSignal;
}

/**
 * Pushes a blob whose digest is known only once it has been made (a layer compressed while it
 * is pushed, as docker's pusher does): an upload session (`POST`), the whole body in one
 * streamed `PATCH` (chunked, no Content-Range: the registry API's stream upload), then `PUT
 * ?digest=` once `digest` resolves. No `HEAD` first (nothing to ask by) and never retried (the
 * body is read once); a failure drops the session. Resolves with the digest.
 */
export async function pushStreamedBlob(o: PushStreamedBlobOptions): Promise<string> {
  const { transport, repository } = o;
  const sig = o.signal ? { signal: o.signal } : {};
  const subject = { kind: 'blob' as const, name: o.name };
  const scopes = [`repository:${repository}:pull,push`];
  const started = await transport.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, headers: { 'Content-Length': '0' }, scopes, subject, ...sig });
  let location = started.headers['location'];
  if (!location) throw new InternalError(`blob ${o.name}: registry started an upload without a Location`);
  try {
    const res = await transport.request({ method: 'PATCH', path: location, headers: { 'Content-Type': 'application/octet-stream' }, body: o.body, scopes, subject, ...sig });
    location = res.headers['location'] ?? location;
    const digest = await o.digest;
    await transport.request({ method: 'PUT', path: withDigest(location, digest), headers: { 'Content-Length': '0' }, scopes, subject: { kind: 'blob', name: digest }, ...sig });
    return digest;
  } catch (e) {
    o.body.destroy();
    await transport.request({ method: 'DELETE', path: location, scopes, subject, accept: [404] }).catch(() => undefined);
    throw e;
  }
}
